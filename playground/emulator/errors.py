"""Discord's error answers, raised by handlers and rendered by the REST layer.

Format: https://discord.com/developers/docs/reference#error-messages
Codes: https://discord.com/developers/docs/topics/opcodes-and-status-codes#json-json-error-codes
"""

from __future__ import annotations

from .state import Json

MISSING_PERMISSIONS = 50013


class ApiError(Exception):
    """A refusal as Discord words it; recorded in `Emulator.rejections`."""

    def __init__(self, status: int, code: int, message: str, errors: Json | None = None, *, detail: str = "") -> None:
        super().__init__(f"{status} {code} {message} {detail}".rstrip())
        self.status, self.code, self.message, self.errors = status, code, message, errors
        self.detail = detail  # for the journal only: Discord does not say which permission is missing

    def body(self) -> Json:
        data: Json = {"message": self.message, "code": self.code}
        if self.errors:
            data["errors"] = self.errors
        return data


def unknown(what: str, code: int) -> ApiError:
    """404 "Unknown X"."""
    return ApiError(404, code, f"Unknown {what}")


def invalid_form(errors: Json) -> ApiError:
    return ApiError(400, 50035, "Invalid Form Body", errors)


def raise_for(errors: Json) -> None:
    """Raise 400 Invalid Form Body when `errors` is not empty."""
    if errors:
        raise invalid_form(errors)
