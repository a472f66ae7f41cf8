"""Participation codes: generated in batches, stored hashed, single use, even under load."""

import threading
from datetime import timedelta

import pytest
from django.db import connection

from wagtail_participation.codes import (
    CodeBatch,
    CodeError,
    ParticipationCode,
    check_code,
    find_code,
    redeem_code,
)

from .conftest import NOW


@pytest.fixture
def batch(db):
    return CodeBatch.generate("Jaurès school", 20, expires_at=NOW + timedelta(days=30))


def test_generated_codes_are_readable_unique_and_stored_only_as_hashes(batch):
    batch_row, codes = batch
    assert len(codes) == len(set(codes)) == 20
    assert all(code.startswith(batch_row.prefix + "-") for code in codes)
    assert all(len(code) == 4 + 1 + 5 + 1 + 5 for code in codes)
    stored = list(ParticipationCode.objects.values_list("code_hash", flat=True))
    assert len(stored) == 20
    for code in codes:
        assert code not in stored
        assert code.replace("-", "") not in "".join(stored)
    assert all(len(value) == 64 for value in stored)


def test_same_code_hashes_differently_in_another_batch(batch):
    first, codes = batch
    second, _ = CodeBatch.generate("Census", 1, expires_at=NOW + timedelta(days=30))
    assert first.salt != second.salt
    assert first.hash(codes[0]) != second.hash(codes[0])


def test_codes_need_the_server_secret_and_survive_its_rotation(batch, settings):
    _, codes = batch
    old_key = settings.SECRET_KEY
    settings.SECRET_KEY = "a-new-secret-key"
    assert find_code(codes[0]) is None  # the stored hash is keyed with the old secret
    settings.SECRET_KEY_FALLBACKS = [old_key]
    assert find_code(codes[0]) is not None


def test_codes_are_found_whatever_the_typing(batch):
    _, codes = batch
    code = codes[0]
    assert find_code(code) is not None
    assert find_code(code.lower().replace("-", " ")) == find_code(code)
    assert find_code("ZZZZ-AAAAA-AAAAA") is None
    assert find_code("") is None


def test_a_code_is_used_once(batch, now):
    _, codes = batch
    used = redeem_code(codes[0], now=now)
    assert used.used_at == now
    with pytest.raises(CodeError) as error:
        redeem_code(codes[0], now=now)
    assert error.value.code == "used"
    assert "already been used" in error.value.message
    redeem_code(codes[1], now=now)  # the others still work


def test_expired_code_is_refused(batch, time_machine):
    _, codes = batch
    time_machine.move_to(NOW + timedelta(days=30), tick=False)
    with pytest.raises(CodeError) as error:
        check_code(codes[0])
    assert error.value.code == "expired"
    time_machine.move_to(NOW + timedelta(days=29, hours=23), tick=False)
    assert check_code(codes[0]) is not None


def test_code_for_another_process_is_refused(db, index_page, root_page):
    from .conftest import make_process

    one = make_process(index_page, "One")
    other = make_process(index_page, "Other")
    _, codes = CodeBatch.generate("For one", 1, expires_at=NOW + timedelta(days=1), page=one)
    with pytest.raises(CodeError) as error:
        check_code(codes[0], page=other, now=NOW)
    assert error.value.code == "other_page"
    assert redeem_code(codes[0], page=one, now=NOW).used_on_page_id == one.pk


def test_unknown_code_message(db):
    with pytest.raises(CodeError, match="does not exist"):
        check_code("ABCD-EFGHJ-KMNPQ")


def test_batch_size_is_bounded(db):
    with pytest.raises(ValueError):
        CodeBatch.generate("Too many", 0, expires_at=NOW)
    with pytest.raises(ValueError):
        CodeBatch.generate("Too many", 10001, expires_at=NOW)


@pytest.mark.django_db(transaction=True)
def test_single_use_under_concurrency():
    """Eight app servers redeem the same code at once: exactly one succeeds (PostgreSQL)."""
    if connection.vendor != "postgresql":
        pytest.skip("row locks and real concurrency need PostgreSQL")
    _, codes = CodeBatch.generate("Race", 1, expires_at=NOW + timedelta(days=3650))
    barrier = threading.Barrier(8)
    outcomes = []

    def attempt():
        from django.db import connection as thread_connection

        try:
            barrier.wait()
            redeem_code(codes[0])
            outcomes.append("redeemed")
        except CodeError as error:
            outcomes.append(error.code)
        finally:
            thread_connection.close()

    threads = [threading.Thread(target=attempt) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(outcomes) == ["redeemed"] + ["used"] * 7
    assert ParticipationCode.objects.filter(used_at__isnull=False).count() == 1
