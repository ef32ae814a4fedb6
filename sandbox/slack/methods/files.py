"""files.*: the report shared in its channel, by the two-step external upload (an upload URL,
then completion into a channel) or the retired one-step files.upload."""

from __future__ import annotations

from sandbox.slack.answers import Answer, error
from sandbox.slack.methods.access import not_postable
from sandbox.slack.workspace import BOT_USER, File, Message, Workspace


def upload_url(ws: Workspace, args: Answer) -> Answer:
    if not args.get("filename") or not args.get("length"):
        return error("invalid_arguments")
    upload = File(ws.next_id("F"), str(args["filename"]))
    ws.pending_uploads[upload.id] = upload
    return {"file_id": upload.id, "upload_url": f"{ws.upload_root}/upload/{upload.id}"}


def _share(ws: Workspace, upload: File, comment: str = "", thread_ts: str = "") -> None:
    """A shared file is a message in its channel, as a person sees it in Slack."""
    ws.files[upload.id] = upload
    ws.uploads.append(upload)
    channel = ws.conversation(upload.channel) if upload.channel else None
    if channel is not None:
        text = comment or upload.title
        ws.post(Message(ws.next_ts(), channel.id, BOT_USER, text, files=[upload.id],
                        thread_ts=thread_ts))  # fmt: skip
    else:
        ws.touch()


def complete_upload(ws: Workspace, args: Answer) -> Answer:
    entries = args.get("files")
    if not isinstance(entries, list) or not entries:
        return error("invalid_arguments")
    channel = str(args.get("channel_id") or "")
    if channel and (refused := not_postable(ws, channel)):
        return refused
    done: list[Answer] = []
    for entry in entries:
        upload = ws.pending_uploads.pop(str(entry.get("id")), None)
        if upload is None:
            return error("file_not_found")
        upload.title = str(entry.get("title") or upload.filename)
        upload.channel = str(args.get("channel_id") or args.get("channels") or "")
        _share(ws, upload, str(args.get("initial_comment") or ""), str(args.get("thread_ts") or ""))
        done.append({"id": upload.id, "name": upload.filename, "title": upload.title})
    return {"files": done}


def legacy_upload(ws: Workspace, args: Answer) -> Answer:
    """The retired one-step upload, kept because older code paths may still call it."""
    data = args.get("file", args.get("content", b""))
    data = data.encode() if isinstance(data, str) else data
    if not data:
        return error("no_file_data")
    name = str(args.get("filename") or "file")
    upload = File(ws.next_id("F"), name, str(args.get("title") or name))
    upload.channel, upload.data = str(args.get("channels") or ""), data
    _share(ws, upload, str(args.get("initial_comment") or ""))
    return {"file": {"id": upload.id, "name": upload.filename, "title": upload.title}}
