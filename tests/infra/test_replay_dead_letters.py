"""ops.replay_dead_letters moves dead letters back safely (on moto): same body, attributes, FIFO
group and deduplication ids; deleted from the dead-letter queue only after the send succeeded;
a dry run moves nothing."""

from __future__ import annotations

import pytest

from chalicelib.platform.aws import client
from ops import replay_dead_letters
from ops.replay_dead_letters import dead_letter_url, replay

INBOUND = "camau-zalo-inbound.fifo"
POSTAL = "camau-zalo-postal"


def _url(name: str) -> str:
    return client("sqs").get_queue_url(QueueName=name)["QueueUrl"]


def _dead_letter(source: str, n: int) -> list[str]:
    """``n`` messages in ``source``'s dead-letter queue, as the redrive leaves them."""
    sqs = client("sqs")
    dlq = dead_letter_url(sqs, _url(source))
    bodies = []
    for i in range(n):
        body = f'{{"event": {i}}}'
        args = {
            "QueueUrl": dlq,
            "MessageBody": body,
            "MessageAttributes": {
                "correlation_id": {"DataType": "String", "StringValue": f"corr-{i}"}
            },
        }
        if source.endswith(".fifo"):
            args |= {"MessageGroupId": f"group-{i % 2}", "MessageDeduplicationId": f"dedup-{i}"}
        sqs.send_message(**args)
        bodies.append(body)
    return bodies


def _drain(url: str) -> list[dict]:
    sqs = client("sqs")
    found = []
    while True:
        messages = sqs.receive_message(
            QueueUrl=url,
            MaxNumberOfMessages=10,
            AttributeNames=["All"],
            MessageAttributeNames=["All"],
        ).get("Messages", [])
        if not messages:
            return found
        for message in messages:
            found.append(message)
            sqs.delete_message(QueueUrl=url, ReceiptHandle=message["ReceiptHandle"])


def test_inbound_dead_letters_go_back_with_their_group_dedup_ids_and_attributes(aws):
    bodies = _dead_letter(INBOUND, 4)
    sqs = client("sqs")
    report = replay(sqs, _url(INBOUND))
    assert report.ok and len(report.moved) == 4
    assert _drain(dead_letter_url(sqs, _url(INBOUND))) == []  # deleted after the sends
    back = _drain(_url(INBOUND))
    assert sorted(m["Body"] for m in back) == sorted(bodies)
    for message in back:
        i = int(message["Body"].split(":")[1].strip(" }"))
        assert message["Attributes"]["MessageGroupId"] == f"group-{i % 2}"
        assert message["Attributes"]["MessageDeduplicationId"] == f"dedup-{i}"
        assert message["MessageAttributes"]["correlation_id"]["StringValue"] == f"corr-{i}"


def test_postal_dead_letters_go_back_to_the_standard_queue(aws):
    bodies = _dead_letter(POSTAL, 3)
    report = replay(client("sqs"), _url(POSTAL), max_messages=2)
    assert report.ok and len(report.moved) == 2
    assert len(_drain(_url(POSTAL))) == 2
    left = _drain(dead_letter_url(client("sqs"), _url(POSTAL)))
    assert len(left) == 1 and left[0]["Body"] in bodies


def test_a_failed_send_deletes_nothing_and_stops_the_run(aws, monkeypatch):
    _dead_letter(INBOUND, 3)
    sqs = client("sqs")
    real_send = sqs.send_message
    sent = []

    def send(**kwargs):
        if len(sent) == 1:
            raise RuntimeError("SQS is down")
        sent.append(kwargs)
        return real_send(**kwargs)

    monkeypatch.setattr(sqs, "send_message", send)
    report = replay(sqs, _url(INBOUND))
    assert not report.ok and len(report.moved) == 1 and len(report.failed) == 1
    monkeypatch.undo()
    assert len(_drain(_url(INBOUND))) == 1
    # The one that failed and the one behind it are still dead-lettered, visible again.
    assert len(_drain(dead_letter_url(sqs, _url(INBOUND)))) == 2


def test_a_dry_run_counts_and_moves_nothing(aws):
    _dead_letter(INBOUND, 3)
    sqs = client("sqs")
    report = replay(sqs, _url(INBOUND), dry_run=True)
    assert report.ok and len(report.seen) == 3 and report.moved == []
    assert _drain(_url(INBOUND)) == []
    assert len(_drain(dead_letter_url(sqs, _url(INBOUND)))) == 3  # visible again at once


def test_the_command_line(aws, capsys):
    _dead_letter(INBOUND, 2)
    assert replay_dead_letters.main(["--queue", "inbound", "--dry-run"]) == 0
    assert "2 message(s) would be moved" in capsys.readouterr().out
    assert replay_dead_letters.main(["--queue", "inbound", "--max", "1"]) == 0
    assert "1 moved" in capsys.readouterr().out
    with pytest.raises(SystemExit):
        replay_dead_letters.main(["--queue", "elsewhere"])
