"""Discord's JSON errors, raised by route handlers and turned into HTTP answers."""

from __future__ import annotations

from typing import Any

JSON = dict[str, Any]


class ApiError(Exception):
    """A Discord-style JSON error: HTTP status, numeric code, message."""

    def __init__(self, status: int, code: int, message: str, errors: JSON | None = None) -> None:
        super().__init__(f"{status} {code} {message}")
        self.status = status
        self.code = code
        self.message = message
        self.errors = errors

    def body(self) -> JSON:
        """The JSON body Discord returns for this error."""
        body: JSON = {"message": self.message, "code": self.code}
        if self.errors:
            body["errors"] = self.errors
        return body


def invalid_form(field: str, message: str) -> ApiError:
    """Discord's 50035 Invalid Form Body error for one field."""
    errors = {field: {"_errors": [{"code": "BASE_TYPE_BAD_LENGTH", "message": message}]}}
    return ApiError(400, 50035, "Invalid Form Body", errors)


def form_error(path: list[str | int], message: str, code: str = "BASE_TYPE_BAD_LENGTH") -> ApiError:
    """Discord's 50035 Invalid Form Body with the error nested along `path`
    (["0", "options", 1, "name"] for the second option of the first command of a bulk sync)."""
    errors: JSON = {"_errors": [{"code": code, "message": message}]}
    for key in reversed(path):
        errors = {str(key): errors}
    return ApiError(400, 50035, "Invalid Form Body", errors)
