"""Tests of engine.secrets: the one masking rule every process applies."""

from __future__ import annotations

from engine.secrets import SECRET_MASK, SecretMasker, mask_secrets


def test_the_longest_secret_is_masked_first_so_one_inside_another_leaves_no_remainder() -> None:
    # Masking "pass" first would leave "word-" of "pass-word" readable.
    text = "user=alice token=pass-word other=pass"
    assert mask_secrets(text, ["pass", "pass-word"]) == (
        f"user=alice token={SECRET_MASK} other={SECRET_MASK}"
    )
    assert SecretMasker(["pass", "pass-word"]).mask(text) == mask_secrets(text, ["pass-word", "pass"])


def test_empty_secrets_are_ignored_and_none_stays_none() -> None:
    masker = SecretMasker(["", "s3cr3t"])
    assert masker.mask("a s3cr3t b") == f"a {SECRET_MASK} b"
    assert masker.mask(None) is None
    assert masker.mask("") == ""
    assert mask_secrets("nothing here", [""]) == "nothing here"


def test_a_masker_without_secrets_is_false() -> None:
    assert not SecretMasker(["", ""])
    assert SecretMasker(["x"])
