"""The upload flow of WebClient.files_upload_v2 against the fake."""

from __future__ import annotations

import urllib.error
import urllib.request
from pathlib import Path

import pytest
from slack_sdk.errors import SlackApiError, SlackRequestError

from tests.support import FakeSlack


def test_files_upload_v2_round_trip(fake_slack: FakeSlack) -> None:
    client = fake_slack.client()
    kickoff = client.chat_postMessage(channel="C0REVIEW", text="kickoff")
    content = "rank,process,score\n1,Blog writing (café),82.1\n".encode()
    r = client.files_upload_v2(
        channel="C0REVIEW",
        content=content,
        filename="shortlist.csv",
        title="Shortlist",
        thread_ts=kickoff["ts"],
        initial_comment="The report",
    )
    assert r["ok"]
    assert r["file"]["id"].startswith("F") and r["file"]["title"] == "Shortlist"

    (uploaded,) = fake_slack.uploaded_files()
    assert uploaded.filename == "shortlist.csv"
    assert uploaded.title == "Shortlist"
    assert uploaded.content == content
    assert uploaded.channel_id == "C0REVIEW"
    assert uploaded.thread_ts == kickoff["ts"]
    assert uploaded.initial_comment == "The report"
    assert fake_slack.file_content("shortlist.csv") == content
    assert fake_slack.file_content(uploaded.file_id) == content

    get_url = fake_slack.last("files.getUploadURLExternal")
    assert get_url["filename"] == "shortlist.csv" and int(get_url["length"]) == len(content)
    assert get_url.response is not None
    assert get_url.response["upload_url"] == f"{fake_slack.url}/upload/{uploaded.file_id}"
    assert fake_slack.last("upload").ok
    assert fake_slack.last("files.completeUploadExternal").json_arg("files") == [
        {"id": uploaded.file_id, "title": "Shortlist"}
    ]


def test_several_files_and_binary_content(fake_slack: FakeSlack, tmp_path: Path) -> None:
    png = bytes(range(256)) * 4
    path = tmp_path / "chart.png"
    path.write_bytes(png)
    fake_slack.client().files_upload_v2(
        channel="C0REVIEW",
        file_uploads=[
            {"file": str(path), "title": "Chart"},
            {"content": "# Report\n", "filename": "report.md"},
        ],
    )
    files = fake_slack.uploaded_files()
    assert [(f.filename, f.title) for f in files] == [("chart.png", "Chart"), ("report.md", "report.md")]
    assert files[0].content == png
    assert files[1].content == b"# Report\n"


def test_multipart_upload_body_is_unwrapped(fake_slack: FakeSlack) -> None:
    answer = fake_slack.client().files_getUploadURLExternal(filename="a.txt", length=5)
    boundary = "XyZ"
    body = (
        f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="a.txt"\r\n'
        f"Content-Type: text/plain\r\n\r\nhello\r\n--{boundary}--\r\n"
    ).encode()
    req = urllib.request.Request(
        answer["upload_url"], data=body, headers={"Content-Type": f"multipart/form-data; boundary={boundary}"}
    )
    with urllib.request.urlopen(req, timeout=5) as resp:
        assert resp.status == 200
    fake_slack.client().files_completeUploadExternal(files=[{"id": answer["file_id"], "title": "A"}])
    assert fake_slack.file_content("A") == b"hello"


def test_upload_to_a_channel_without_the_bot(fake_slack: FakeSlack) -> None:
    fake_slack.remove_bot_from("C0REVIEW")
    with pytest.raises(SlackApiError) as e:
        fake_slack.client().files_upload_v2(channel="C0REVIEW", content="x", filename="x.txt")
    assert e.value.response["error"] == "not_in_channel"
    assert fake_slack.uploaded_files() == []


def test_upload_endpoint_failure(fake_slack: FakeSlack) -> None:
    fake_slack.server_error("upload", status=500)
    with pytest.raises((SlackRequestError, urllib.error.HTTPError)):
        fake_slack.client().files_upload_v2(channel="C0REVIEW", content="x", filename="x.txt")
    assert fake_slack.calls("files.completeUploadExternal") == []


def test_complete_without_upload_is_refused(fake_slack: FakeSlack) -> None:
    client = fake_slack.client()
    answer = client.files_getUploadURLExternal(filename="a.txt", length=5)
    with pytest.raises(SlackApiError) as e:
        client.files_completeUploadExternal(files=[{"id": answer["file_id"]}], channel_id="C0REVIEW")
    assert e.value.response["error"] == "file_not_found"
