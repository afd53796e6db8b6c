"""Why a request was not let in."""


class AuthenticationError(Exception):
    """No token, or a token that does not verify: 401."""


class PermissionDenied(Exception):
    """A verified identity whose role does not allow the action: 403."""
