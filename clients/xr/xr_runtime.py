"""Finding an OpenXR runtime and a headset, with an answer a person can act on when there
is none. The OpenXR loader ships inside pyopenxr; the runtime (SteamVR, Monado, a vendor's)
is what a PC VR machine installs. No runtime here is the common case on a fresh machine, so
it is a one-line message, never a traceback, and the loader's own diagnostics stay quiet."""

from __future__ import annotations

import os
from dataclasses import dataclass
from typing import Any

from clients.xr.errors import XrUnavailableError

APP_NAME = "readingroom"
INSTALL_HINT = (
    "install and start an OpenXR runtime (SteamVR on Windows or Linux, or Monado on Linux), "
    "connect the headset, then try again; or leave out --xr for desktop mode"
)
GRAPHICS_EXTENSION = "XR_KHR_opengl_enable"


@dataclass(slots=True)
class XrRuntime:
    """An instance and the headset's system id; the session is made later, with GL."""

    instance: Any
    system: Any
    runtime_name: str
    system_name: str

    def destroy(self) -> None:
        import xr

        xr.destroy_instance(self.instance)


def probe_runtime() -> XrRuntime:
    os.environ.setdefault("XR_LOADER_DEBUG", "none")
    try:
        import xr
    except Exception as exc:  # pyopenxr missing or its loader library cannot load
        raise XrUnavailableError(
            f"the OpenXR loader (pyopenxr) cannot be imported ({type(exc).__name__}); "
            + INSTALL_HINT
        ) from None
    try:
        available = {
            e.extension_name.decode() if isinstance(e.extension_name, bytes) else e.extension_name
            for e in xr.enumerate_instance_extension_properties()
        }
    except xr.XrException:
        raise XrUnavailableError(
            f"no OpenXR runtime is installed or active; {INSTALL_HINT}"
        ) from None
    if GRAPHICS_EXTENSION not in available:
        raise XrUnavailableError(
            "the active OpenXR runtime cannot render with OpenGL "
            f"({GRAPHICS_EXTENSION} is missing); "
            "use SteamVR or Monado, which support it"
        )
    try:
        instance = xr.create_instance(
            xr.InstanceCreateInfo(
                application_info=xr.ApplicationInfo(
                    application_name=APP_NAME,
                    application_version=1,
                    engine_name="Panda3D",
                    engine_version=1,
                ),
                enabled_extension_names=[GRAPHICS_EXTENSION],
            )
        )
    except xr.RuntimeUnavailableError:
        raise XrUnavailableError(
            f"no OpenXR runtime is installed or active; {INSTALL_HINT}"
        ) from None
    except xr.XrException as exc:
        raise XrUnavailableError(
            f"the OpenXR runtime refused to start ({exc}); {INSTALL_HINT}"
        ) from None
    try:
        system = xr.get_system(
            instance, xr.SystemGetInfo(form_factor=xr.FormFactor.HEAD_MOUNTED_DISPLAY)
        )
        properties = xr.get_system_properties(instance, system)
        runtime = xr.get_instance_properties(instance)
    except xr.FormFactorUnavailableError:
        xr.destroy_instance(instance)
        raise XrUnavailableError(
            "the OpenXR runtime sees no headset: connect it and turn it on "
            "(and start SteamVR), then try again"
        ) from None
    except xr.XrException as exc:
        xr.destroy_instance(instance)
        raise XrUnavailableError(f"the OpenXR runtime failed ({exc}); {INSTALL_HINT}") from None
    return XrRuntime(instance, system, _text(runtime.runtime_name), _text(properties.system_name))


def _text(value: Any) -> str:
    return value.decode(errors="replace") if isinstance(value, bytes) else str(value)
