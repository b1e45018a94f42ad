"""What makes every service's OpenAPI document exact, in one place.

drf-spectacular documents what a view declares; the responses the framework itself gives (a
401 from authentication, a 400 for a malformed body, a 404 for an unknown id, the gateway's
429) and the constraints DRF's fields enforce without a schema keyword (no NUL character, not
only whitespace) are added here, so that ``schemathesis --checks all`` finds the document and
the server in agreement.
"""

from strangler.api_schema.fields import (
    NO_NUL,
    NOT_BLANK,
    CharFieldExtension,
    ClosedInputExtension,
    char_pattern,
)
from strangler.api_schema.operations import (
    PATH_SEGMENT,
    allow_empty_query_value,
    blank_as_any_of,
    declare_framework_responses,
    framework_responses,
    state_path_segment,
)

__all__ = [
    "NOT_BLANK",
    "NO_NUL",
    "PATH_SEGMENT",
    "CharFieldExtension",
    "ClosedInputExtension",
    "allow_empty_query_value",
    "blank_as_any_of",
    "char_pattern",
    "declare_framework_responses",
    "framework_responses",
    "state_path_segment",
]
