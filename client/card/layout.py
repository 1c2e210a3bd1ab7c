"""Application ids, file ids and tags of the My Number card's 券面 applications.

From public open-source readers (docs/card.md cites them): jpki/myna (libmyna/text_ap.go,
image_ap.go, reader.go) and the AP/EF tables of other open readers.
"""

from __future__ import annotations

# 券面事項入力補助AP (text 4情報, 4-digit PIN)
TEXT_AP = bytes.fromhex("D3921000310001010408")
TEXT_EF_MY_NUMBER = bytes.fromhex("0001")  # 個人番号 — never read by Madoguchi
TEXT_EF_ATTRS = bytes.fromhex("0002")  # 基本4情報: FF20 {DF21 header, DF22 氏名, DF23 住所, DF24 生年月日, DF25 性別}
TEXT_EF_SIGNATURE = bytes.fromhex("0003")  # FF30 {DF31 digest 個人番号, DF32 digest 4情報, DF33 signature}
TEXT_EF_CERT = bytes.fromhex("0004")  # the data-signing certificate
TEXT_EF_PIN = bytes.fromhex("0011")  # 券面事項入力補助用暗証番号 (4 digits, 3 tries)

# 券面事項確認AP (face data and photo, 照合番号B)
VISUAL_AP = bytes.fromhex("D3921000310001010402")
VISUAL_EF_ENTRIES = bytes.fromhex("0002")  # FF20 {DF21 header, DF22 birth, DF23 sex, DF24 key, DF25 name img,
#                                             DF26 address img, DF27 photo, DF28 signature, DF29 expiry, DF2A code}
VISUAL_EF_CERT = bytes.fromhex("0004")
VISUAL_EF_PIN_B = bytes.fromhex("0012")  # 照合番号B: 生年月日 YYMMDD + 有効期限の年 YYYY + セキュリティコード
VISUAL_EF_PIN_A = bytes.fromhex("0013")  # 照合番号A (個人番号) — never used by Madoguchi

TAG_ATTRS = 0xFF20
TAG_HEADER = 0xDF21
TAG_NAME = 0xDF22
TAG_ADDRESS = 0xDF23
TAG_BIRTH = 0xDF24
TAG_SEX = 0xDF25

TAG_SIG = 0xFF30
TAG_SIG_DIGEST_NUMBER = 0xDF31
TAG_SIG_DIGEST_ATTRS = 0xDF32
TAG_SIG_VALUE = 0xDF33

TAG_V_BIRTH = 0xDF22
TAG_V_SEX = 0xDF23
TAG_V_KEY = 0xDF24
TAG_V_NAME_IMG = 0xDF25
TAG_V_ADDR_IMG = 0xDF26
TAG_V_PHOTO = 0xDF27
TAG_V_SIGNATURE = 0xDF28
TAG_V_EXPIRY = 0xDF29
TAG_V_CODE = 0xDF2A

SEX_CODES = {"1": "M", "2": "F", "9": "9"}  # ISO 5218; 9 = 適用不能
