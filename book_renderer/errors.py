"""What can go wrong between a file and a book. The server maps each type to one HTTP status
and code; here they only say what happened, in words a librarian can act on.

Every exception keeps its message as its only argument so it survives the pickle trip back
from a render worker.
"""

from __future__ import annotations


class BookError(Exception):
    """Base of everything book_renderer raises on purpose."""

    code = "book_error"


class InvalidFileNameError(BookError):
    """The upload's name is empty, too long, or holds path separators or control characters."""

    code = "invalid_filename"


class EmptyUploadError(BookError):
    """Zero bytes arrived."""

    code = "empty_file"


class UploadTooLargeError(BookError):
    """The upload is larger than the configured limit."""

    code = "upload_too_large"


class UnsupportedFormatError(BookError):
    """Neither the name nor the content is a format we can read."""

    code = "unsupported_format"


class FormatMismatchError(BookError):
    """The name says one format and the bytes say another."""

    code = "format_mismatch"


class CorruptDocumentError(BookError):
    """The file is damaged or truncated."""

    code = "corrupt_document"


class EncryptedDocumentError(BookError):
    """The document needs a password to open."""

    code = "encrypted_document"


class EmptyDocumentError(BookError):
    """The document opens but has no pages."""

    code = "empty_document"


class TooManyPagesError(BookError):
    """More pages than the configured limit."""

    code = "too_many_pages"


class PageTooLargeError(BookError):
    """A page is larger (in mm) than any real page, so rendering it would be pointless."""

    code = "page_too_large"


class PixelLimitError(BookError):
    """A page or an image on it decodes to more pixels than allowed: a pixel bomb."""

    code = "too_many_pixels"


class RenderTimeoutError(BookError):
    """A render task ran past its time limit; its worker was killed and replaced."""

    code = "render_timeout"


class WorkerCrashedError(BookError):
    """The worker process died during a task; it was replaced."""

    code = "renderer_crashed"


class RenderMemoryError(BookError):
    """The document needed more memory than a worker may use."""

    code = "too_much_memory"


class RenderFailedError(BookError):
    """A worker raised something unexpected; the message says what, without content."""

    code = "render_failed"


class PoolClosedError(BookError):
    """The render pool is shutting down."""

    code = "shutting_down"


class BookNotFoundError(BookError, LookupError):
    """No book with that id."""

    code = "book_not_found"


class PageNotFoundError(BookError, LookupError):
    """The book has no page with that number."""

    code = "page_not_found"


class BookFailedError(BookError):
    """The book was refused while rendering; only its error remains."""

    code = "book_failed"


class InvalidQueryError(BookError):
    """A search query that is empty or too long."""

    code = "invalid_query"
