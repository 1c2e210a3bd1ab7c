"""Request bodies with constraints (sizes, enums, patterns): bad input is a 422, never a 5xx."""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, StringConstraints, model_validator

from client.domain.checkdigits import is_valid_atena_no
from client.domain.model import (
    CertificateType,
    IdentityDocument,
    IssuanceRequest,
    JuminhyoItem,
    Layout,
    RequesterKind,
)
from client.domain.partial_date import PartialDate, PartialDateError

Short = Annotated[str, StringConstraints(max_length=100)]
Text = Annotated[str, StringConstraints(max_length=500)]
def _check_atena(value: str) -> str:
    if not is_valid_atena_no(value):
        raise ValueError("宛名番号のチェックデジットが正しくありません (invalid 宛名番号 check digit)")
    return value


AtenaNo = Annotated[str, StringConstraints(pattern=r"^[0-9]{2,16}$"), AfterValidator(_check_atena)]


def _check_partial_date(value: str) -> str:
    try:
        PartialDate.parse_str(value)
    except PartialDateError as exc:
        raise ValueError(f"生年月日の形式が正しくありません (YYYY-MM-DD, ?? for unknown parts): {exc}") from exc
    return value


BirthText = Annotated[str, StringConstraints(max_length=13), AfterValidator(_check_partial_date)]
Reason = Annotated[str, StringConstraints(min_length=1, max_length=500, pattern=r"\S")]


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid")


class LoginIn(_Model):
    municipality_code: Annotated[str, StringConstraints(pattern=r"^[0-9]{6}$")]
    user_id: Annotated[str, StringConstraints(min_length=1, max_length=64)]
    password: Annotated[str, StringConstraints(min_length=1, max_length=200)]
    terminal_id: Annotated[str, StringConstraints(max_length=64)] = ""


class RequesterIn(_Model):
    kind: RequesterKind
    name: Short = ""
    identity_document: IdentityDocument = IdentityDocument.NONE
    has_power_of_attorney: bool = False
    purpose: Text = ""
    qualification: Short = ""
    agency: Short = ""
    acting_for_atena_no: AtenaNo | None = None
    requester_atena_no: AtenaNo | None = None
    by_post: bool = False  # 郵送請求
    birth: BirthText | None = None  # 請求者の生年月日
    address: Annotated[str, StringConstraints(max_length=200)] = ""  # 申出者の住所
    registration_no: Annotated[str, StringConstraints(max_length=32)] = ""  # 登録番号 (職務上請求)
    client_name: Short = ""  # 依頼者 氏名
    client_birth: BirthText | None = None
    client_atena_no: AtenaNo | None = None
    special_reason: Text = ""  # 特別の請求の理由
    special_accepted: bool = False
    legal_basis: Short = ""  # 公用: 法令上の根拠 (番号法19条 …)
    identity_checks: Annotated[list[Short], Field(max_length=16)] = []  # マイナンバーカード(IC): what was checked

    @model_validator(mode="after")
    def _ic_checks(self) -> RequesterIn:
        """マイナンバーカード(IC) comes with what the card read checked, and only it carries checks."""
        ic = self.identity_document is IdentityDocument.MY_NUMBER_CARD_IC
        if ic and not self.identity_checks:
            raise ValueError("マイナンバーカード(IC)の本人確認には確認した事項が必要です (identity_checks required)")
        if self.identity_checks and not ic:
            raise ValueError("確認した事項はマイナンバーカード(IC)の本人確認にのみ付けられます "
                             "(identity_checks only with my_number_card_ic)")
        return self


class IssuanceRequestIn(_Model):
    """IssuanceRequest.to_dict() with constraints."""

    cert_type: CertificateType
    subject_atena_no: AtenaNo
    requester: RequesterIn
    whole_household: bool = False
    member_atena_nos: Annotated[list[AtenaNo], Field(max_length=50)] = []
    layout: Layout = Layout.KOJIN
    items: Annotated[list[JuminhyoItem], Field(max_length=10)] = []
    inkan_card_no: Annotated[str, StringConstraints(max_length=32)] = ""
    tax_year: Annotated[int, Field(ge=1900, le=2200)] | None = None
    copies: Annotated[int, Field(ge=1, le=20)] = 1
    exemption_reason: Annotated[str, StringConstraints(max_length=64)] = ""
    training: bool = False
    deliver_by_post: bool = False  # 郵送交付 to the subject's 住所

    def to_domain(self) -> IssuanceRequest:
        data: dict[str, Any] = self.model_dump(mode="json")
        return IssuanceRequest.from_dict(data)


class ReleaseIn(_Model):
    """A 支援措置責任者's release of one 支援措置 for this request."""

    measure_id: Annotated[str, StringConstraints(min_length=1, max_length=32)]
    reason: Reason


class EvaluateIn(_Model):
    request: IssuanceRequestIn
    release: ReleaseIn | None = None


class IssueIn(_Model):
    request: IssuanceRequestIn
    release: ReleaseIn | None = None
    printer_id: Annotated[str, StringConstraints(min_length=1, max_length=32, pattern=r"^\S+$")] = "プリンタ001"


class ReasonIn(_Model):
    reason: Reason


class ReprintIn(_Model):
    reason: Reason
    printer_id: Annotated[str, StringConstraints(min_length=1, max_length=32, pattern=r"^\S+$")] = "プリンタ001"
    release: ReleaseIn | None = None


class EnrollIn(_Model):
    terminal_name: Annotated[str, StringConstraints(min_length=1, max_length=32, pattern=r"^\S+$")]
    public_key_b64: Annotated[str, StringConstraints(min_length=1, max_length=100)]
    terminal_id: Annotated[str, StringConstraints(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9_.-]+$")] | None = None


class LeaseIn(_Model):
    size: Annotated[int, Field(ge=1, le=10_000)] = 100


class LeaseReturnIn(_Model):
    unused: Annotated[list[Annotated[list[Annotated[int, Field(ge=1)]], Field(min_length=2, max_length=2)]],
                      Field(max_length=1000)] = []


class VerifyIn(_Model):
    token: Annotated[str, StringConstraints(min_length=1, max_length=4000)]
