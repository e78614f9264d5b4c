"""The applicant of a filing, validated like any field of the form: the name as a text
field (no NUL, control characters or lone surrogates; at most ``NAME_MAX`` characters),
the mobile number by the mobile field plugin (phonenumbers, a mainland mobile number).
Every door files through ``CaseService.submit``, which calls ``checked_applicant``."""

from __future__ import annotations

import dataclasses
from typing import Any, Protocol, TypeVar

from definitions.compile import FieldError
from definitions.fieldtypes import FieldTypeRegistry, ParseError, default_registry
from definitions.models import FormField
from runtime.errors import InvalidInput

NAME_MAX = 100
NAME_FIELD = FormField(key="name", label="申请人姓名或名称", type="text", max_length=NAME_MAX)
MOBILE_FIELD = FormField(key="mobile", label="接收短信的手机号码", type="mobile")


class _Applicant(Protocol):
    @property
    def name(self) -> str: ...

    @property
    def mobile(self) -> str | None: ...


A = TypeVar("A", bound=_Applicant)


def applicant_errors(
    name: Any, mobile: Any, registry: FieldTypeRegistry | None = None
) -> tuple[str, str | None, list[FieldError]]:
    """(clean name, national mobile number or None, errors at /applicant/...)."""
    reg = registry or default_registry()
    errors: list[FieldError] = []
    clean_name = ""
    if not isinstance(name, str) or not name.strip():
        errors.append(FieldError("/applicant/name", "请填写申请人姓名或名称", NAME_FIELD.label))
    elif len(name) > NAME_MAX * 4 or len(name.strip()) > NAME_MAX:
        errors.append(
            FieldError(
                "/applicant/name",
                f"“{NAME_FIELD.label}”太长（最多 {NAME_MAX} 个字）",
                NAME_FIELD.label,
            )
        )
    else:
        try:
            clean_name = str(reg[NAME_FIELD.type].parse(NAME_FIELD, name)).strip()
        except ParseError as exc:
            errors.append(
                FieldError("/applicant/name", f"“{NAME_FIELD.label}”：{exc}", NAME_FIELD.label)
            )
    clean_mobile: str | None = None
    if mobile is not None and mobile != "":
        if not isinstance(mobile, str) or len(mobile) > 40:
            errors.append(
                FieldError(
                    "/applicant/mobile",
                    f"“{MOBILE_FIELD.label}”：手机号码无效：请输入11位手机号码",
                    MOBILE_FIELD.label,
                )
            )
        else:
            try:
                clean_mobile = str(reg[MOBILE_FIELD.type].parse(MOBILE_FIELD, mobile))
            except ParseError as exc:
                errors.append(
                    FieldError(
                        "/applicant/mobile", f"“{MOBILE_FIELD.label}”：{exc}", MOBILE_FIELD.label
                    )
                )
    return clean_name, clean_mobile, errors


def checked_applicant(applicant: A, registry: FieldTypeRegistry | None = None) -> A:
    """The applicant with a clean name and a national mobile number; InvalidInput (422, the
    errors naming /applicant/name and /applicant/mobile) otherwise."""
    name, mobile, errors = applicant_errors(applicant.name, applicant.mobile, registry)
    if errors:
        raise InvalidInput("申请人信息有误，请修改后再提交", errors)
    return dataclasses.replace(applicant, name=name, mobile=mobile)  # type: ignore[type-var]
