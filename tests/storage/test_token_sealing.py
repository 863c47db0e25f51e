"""The OA token pair is encrypted with its own KMS key before it is stored: the table holds no
token in clear, a pair stored before the encryption is sealed on its first read, and storing a
pair (the API function's OAuth callback) needs no decryption."""

from __future__ import annotations

import json

import pytest

from chalicelib.platform.aws import client
from chalicelib.settings import get_settings
from chalicelib.storage.table import get_table
from chalicelib.storage.tokens import TOKEN_PK, TOKEN_SK, KmsSealer, TokenStore

NOW = 1_780_000_000


class CountingSealer(KmsSealer):
    def __init__(self) -> None:
        super().__init__(client("kms"), get_settings().TOKEN_KMS_KEY)
        self.sealed = 0
        self.unsealed = 0

    def seal(self, plaintext: bytes) -> bytes:
        self.sealed += 1
        return super().seal(plaintext)

    def unseal(self, ciphertext: bytes) -> bytes:
        self.unsealed += 1
        return super().unseal(ciphertext)


class EncryptOnly(KmsSealer):
    """What the API function's role allows: kms:Encrypt, never kms:Decrypt."""

    def __init__(self) -> None:
        super().__init__(client("kms"), get_settings().TOKEN_KMS_KEY)

    def unseal(self, ciphertext: bytes) -> bytes:
        raise AssertionError("the API function cannot decrypt the token pair")


def _raw() -> dict:
    return get_table().get(TOKEN_PK, TOKEN_SK, consistent=True) or {}


def test_a_stored_pair_is_not_in_the_table_in_clear_and_reads_back(aws):
    TokenStore(get_table(), EncryptOnly()).store_initial(
        "access-secret-1", "refresh-secret-1", expires_at=NOW + 90000, now=NOW
    )
    raw = _raw()
    dumped = json.dumps(raw, default=repr)
    assert "access-secret-1" not in dumped and "refresh-secret-1" not in dumped
    assert "access_token" not in raw and "refresh_token" not in raw
    assert raw["sealed"] and raw["access_hash"]
    pair = TokenStore(get_table(), CountingSealer()).read()
    assert pair is not None
    assert (pair["access_token"], pair["refresh_token"]) == ("access-secret-1", "refresh-secret-1")


def test_the_ciphertext_opens_only_with_the_token_keys_context(aws):
    TokenStore(get_table(), EncryptOnly()).store_initial(
        "access-1", "refresh-1", expires_at=NOW + 90000, now=NOW
    )
    kms = client("kms")
    blob = bytes(_raw()["sealed"])
    opened = kms.decrypt(CiphertextBlob=blob, EncryptionContext={"item": "ZALO#TOKEN/OA"})
    assert json.loads(opened["Plaintext"])["access_token"] == "access-1"
    with pytest.raises(kms.exceptions.InvalidCiphertextException):
        kms.decrypt(CiphertextBlob=blob, EncryptionContext={"item": "other"})


def test_a_pair_stored_in_clear_is_sealed_on_its_first_read_and_only_once(aws):
    get_table().put(
        {
            "pk": TOKEN_PK,
            "sk": TOKEN_SK,
            "access_token": "legacy-access",
            "refresh_token": "legacy-refresh",
            "expires_at": NOW + 90000,
            "version": 3,
        }
    )
    sealer = CountingSealer()
    store = TokenStore(get_table(), sealer)
    pair = store.read()
    assert pair is not None and pair["access_token"] == "legacy-access"
    raw = _raw()
    assert "access_token" not in raw and "refresh_token" not in raw
    assert "legacy" not in json.dumps(raw, default=repr)
    assert raw["version"] == 3  # the same pair, not a new one
    assert sealer.sealed == 1
    again = store.read()
    assert again is not None and again["refresh_token"] == "legacy-refresh"
    assert sealer.sealed == 1 and sealer.unsealed == 1  # no second migration


def test_a_migration_never_overwrites_a_pair_stored_meanwhile(aws):
    legacy = {
        "pk": TOKEN_PK,
        "sk": TOKEN_SK,
        "access_token": "legacy-access",
        "refresh_token": "legacy-refresh",
        "expires_at": NOW + 90000,
        "version": 3,
    }
    get_table().put(legacy)
    store = TokenStore(get_table(), CountingSealer())
    # A refresh stored a new pair between the read and the migration's write.
    TokenStore(get_table(), EncryptOnly()).store_initial(
        "new-access", "new-refresh", expires_at=NOW + 90000, now=NOW
    )
    pair = store._migrate(legacy)
    assert pair is not None and pair["access_token"] == "new-access"
    assert store.read()["refresh_token"] == "new-refresh"


def test_a_refresh_conditional_on_the_replaced_token_compares_hashes(aws):
    store = TokenStore(get_table(), CountingSealer())
    store.store_initial("access-1", "refresh-1", expires_at=NOW + 90000, now=NOW)
    owner, item = store.take_refresh_lease(now=NOW, replacing="access-1")
    assert item["refresh_token"] == "refresh-1"
    store.release_lease(owner)
    from chalicelib.storage.tokens import LeaseTaken

    with pytest.raises(LeaseTaken) as taken:
        store.take_refresh_lease(now=NOW, replacing="some-older-token")
    assert taken.value.current is not None
    assert taken.value.current["access_token"] == "access-1"
