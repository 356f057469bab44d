#!/usr/bin/env python3
"""Conformance of the emulator as seen by a second SDK: Python's azure-communication-identity 1.3.x and
azure-communication-chat 1.2.0 (the versions Debian's python3-azure ships; chat api-version 2021-09-07, identity
2022-10-01).

Usage: conformance.py <connection string> <CA certificate path>

Runs every case against a running emulator and prints one line per case, `PASS <name>` or `FAIL <name>: <reason>`,
then a summary `N passed, N failed`. The last case checks that every public operation of the identity, chat and
chat-thread clients was called. Exit code 0 only when every case passed.
"""

import asyncio
import base64
import datetime
import functools
import inspect
import json
import os
import re
import sys
import time
import traceback
import uuid

from azure.core.exceptions import (
    ClientAuthenticationError,
    HttpResponseError,
    ResourceExistsError,
    ResourceNotFoundError,
    ServiceRequestError,
)
from azure.communication.chat import (
    ChatClient,
    ChatMessageType,
    ChatParticipant,
    ChatThreadClient,
    CommunicationTokenCredential,
)
from azure.communication.chat.aio import ChatClient as AsyncChatClient
from azure.communication.chat.aio import CommunicationTokenCredential as AsyncTokenCredential
from azure.communication.identity import (
    CommunicationIdentityClient,
    CommunicationTokenScope,
    CommunicationUserIdentifier,
)
from azure.communication.identity.aio import CommunicationIdentityClient as AsyncIdentityClient

CONNECTION_STRING, CA = sys.argv[1], sys.argv[2]
ENDPOINT = re.match(r"endpoint=([^;]+);", CONNECTION_STRING, re.I).group(1)
EPOCH = datetime.datetime(1970, 1, 1, tzinfo=datetime.timezone.utc)

# ---------------------------------------------------------------- which SDK operations the cases called

CALLED = set()
TRACKED = (CommunicationIdentityClient, ChatClient, ChatThreadClient)
# Lifecycle helpers, not service operations.
NOT_OPERATIONS = {"close"}


def _track(cls):
    for name, fn in list(vars(cls).items()):
        if name.startswith("_") or name in NOT_OPERATIONS or not inspect.isfunction(fn):
            continue

        @functools.wraps(fn)
        def wrapper(*args, __fn=fn, __name=f"{cls.__name__}.{name}", **kwargs):
            CALLED.add(__name)
            return __fn(*args, **kwargs)

        setattr(cls, name, wrapper)
    raw = vars(cls).get("from_connection_string")
    if isinstance(raw, classmethod):
        original = raw.__func__

        def from_connection_string(klass, *args, __fn=original, __name=f"{cls.__name__}.from_connection_string", **kw):
            CALLED.add(__name)
            return __fn(klass, *args, **kw)

        cls.from_connection_string = classmethod(from_connection_string)


def operations():
    out = set()
    for cls in TRACKED:
        for name, fn in vars(cls).items():
            if name.startswith("_") or name in NOT_OPERATIONS:
                continue
            if inspect.isfunction(fn) or isinstance(fn, classmethod):
                out.add(f"{cls.__name__}.{name}")
    return out


for _cls in TRACKED:
    _track(_cls)

# ---------------------------------------------------------------- helpers

CASES = []


def case(name):
    def register(fn):
        CASES.append((name, fn))
        return fn

    return register


def check(condition, what):
    if not condition:
        raise AssertionError(what)


def equal(actual, expected, what):
    if actual != expected:
        raise AssertionError(f"{what}: expected {expected!r}, got {actual!r}")


def expect_status(status, call, *args, **kwargs):
    """Runs the call and returns the HttpResponseError it must raise with this status."""
    try:
        call(*args, **kwargs)
    except HttpResponseError as err:
        equal(err.status_code, status, f"status of {getattr(call, '__name__', 'call')}")
        return err
    raise AssertionError(f"{getattr(call, '__name__', 'call')} succeeded; expected HTTP {status}")


def identity_client(**kwargs):
    return CommunicationIdentityClient.from_connection_string(CONNECTION_STRING, connection_verify=CA, **kwargs)


def chat_client(token):
    return ChatClient(ENDPOINT, CommunicationTokenCredential(token), connection_verify=CA)


def thread_client(token, thread_id):
    # ChatClient.get_chat_thread_client does not pass the ChatClient's transport options on: give them again.
    return chat_client(token).get_chat_thread_client(thread_id, connection_verify=CA)


def raw_id(identifier):
    return identifier.raw_id if identifier is not None else None


def parse_expires_on(value):
    """identity 1.3.x hands the wire string through (`2026-01-01T00:00:00.1234567+00:00`), not a number."""
    text = value if isinstance(value, str) else str(value)
    text = re.sub(r"(\.\d{6})\d*", r"\1", text)
    return datetime.datetime.fromisoformat(text)


class Users:
    """Users made once through the identity client, shared by the chat cases."""

    def __init__(self):
        self.identity = identity_client()
        self.alice, self.alice_token = self.new()
        self.bob, self.bob_token = self.new()
        self.carol, self.carol_token = self.new()

    def new(self, scopes=("chat",)):
        user, token = self.identity.create_user_and_token(scopes=list(scopes))
        return user, token.token


U = None  # set in main() once the emulator answered


def new_thread(topic="conformance", participants=None):
    client = chat_client(U.alice_token)
    members = participants if participants is not None else [ChatParticipant(identifier=U.bob, display_name="Bob")]
    result = client.create_chat_thread(topic, thread_participants=members)
    return thread_client(U.alice_token, result.chat_thread.id)


def messages_of(thread, **kwargs):
    return list(thread.list_messages(**kwargs))


def bad_signature(token):
    header, payload, signature = token.split(".")
    flipped = "A" if signature[0] != "A" else "B"
    return ".".join([header, payload, flipped + signature[1:]])


# ---------------------------------------------------------------- trust (https with the emulator's own CA)


@case("TLS: without the emulator's CA the certificate is refused; REQUESTS_CA_BUNDLE trusts it")
def _():
    untrusted = CommunicationIdentityClient.from_connection_string(CONNECTION_STRING)
    saved = os.environ.pop("REQUESTS_CA_BUNDLE", None)
    try:
        try:
            untrusted.create_user()
            raise AssertionError("an untrusted self-signed certificate was accepted")
        except ServiceRequestError as err:
            check("CERTIFICATE_VERIFY_FAILED" in str(err), f"unexpected error {err}")
        os.environ["REQUESTS_CA_BUNDLE"] = CA
        check(untrusted.create_user().properties["id"].startswith("8:acs:"), "create_user via REQUESTS_CA_BUNDLE")
    finally:
        if saved is None:
            os.environ.pop("REQUESTS_CA_BUNDLE", None)
        else:
            os.environ["REQUESTS_CA_BUNDLE"] = saved


# ---------------------------------------------------------------- identity


@case("identity: create_user returns an 8:acs: id of this resource")
def _():
    user = U.identity.create_user()
    check(re.match(r"^8:acs:[0-9a-f-]{36}_[0-9a-f-]{36}$", user.properties["id"]), user.properties)
    equal(user.raw_id, user.properties["id"], "raw_id")


@case("identity: create_user_and_token returns a chat token valid 24 h by default, 1 h when asked")
def _():
    user, token = U.identity.create_user_and_token(scopes=[CommunicationTokenScope.CHAT])
    check(user.properties["id"].startswith("8:acs:"), "user id")
    now = datetime.datetime.now(datetime.timezone.utc)
    left = parse_expires_on(token.expires_on) - now
    check(datetime.timedelta(hours=23) < left <= datetime.timedelta(hours=24, minutes=1), f"default expiry {left}")
    _, short = U.identity.create_user_and_token(scopes=["chat"], token_expires_in=datetime.timedelta(hours=1))
    left = parse_expires_on(short.expires_on) - now
    check(datetime.timedelta(minutes=55) < left <= datetime.timedelta(minutes=61), f"1 h expiry {left}")
    # the Python credential decodes the payload with the standard base64 alphabet: it must parse
    check(CommunicationTokenCredential(token.token).get_token().token == token.token, "credential parse")


@case("identity: get_token for every scope combination the chat flow uses")
def _():
    user = U.identity.create_user()
    for scopes in (["chat"], ["voip"], ["chat", "voip"]):
        token = U.identity.get_token(user, scopes)
        payload = token.token.split(".")[1]
        claims = json.loads(base64.b64decode(payload + "=="))
        equal(claims["acsScope"], ",".join(scopes), "acsScope claim")
        equal("8:" + claims["skypeid"], user.properties["id"], "skypeid claim")


@case("identity: 400 for a scope outside the enum and for a lifetime under 60 minutes")
def _():
    user = U.identity.create_user()
    expect_status(400, U.identity.get_token, user, ["bogus"])
    expect_status(400, U.identity.get_token, user, ["chat"], token_expires_in=datetime.timedelta(minutes=30))


@case("identity: revoke_tokens makes earlier chat tokens 401; a new token works")
def _():
    user, token = U.new()
    chat_client(token).create_chat_thread("before revoke")
    time.sleep(0.01)
    U.identity.revoke_tokens(user)
    expect_status(401, chat_client(token).create_chat_thread, "after revoke")
    fresh = U.identity.get_token(user, ["chat"]).token
    check(chat_client(fresh).create_chat_thread("fresh").chat_thread.id, "fresh token")


@case("identity: delete_user -> 204; its tokens are 401 for chat and get_token is 404")
def _():
    user, token = U.new()
    U.identity.delete_user(user)
    expect_status(401, chat_client(token).create_chat_thread, "deleted user")
    err = expect_status(404, U.identity.get_token, user, ["chat"])
    check(isinstance(err, ResourceNotFoundError), type(err).__name__)


@case("identity: a wrong access key is 401 (ClientAuthenticationError)")
def _():
    wrong = re.sub(r"accesskey=[^;]+", "accesskey=" + base64.b64encode(b"not-the-key-of-the-emulator").decode(),
                   CONNECTION_STRING, flags=re.I)
    client = CommunicationIdentityClient.from_connection_string(wrong, connection_verify=CA)
    err = expect_status(401, client.create_user)
    check(isinstance(err, ClientAuthenticationError), type(err).__name__)


@case("identity: get_token_for_teams_user is 400 (Teams exchange is not emulated)")
def _():
    err = expect_status(400, U.identity.get_token_for_teams_user, "aad-token", str(uuid.uuid4()), str(uuid.uuid4()))
    equal(err.error.code if err.error else None, "TeamsExchangeNotSupported", "error code")


@case("identity (async client, percent-decoded path in the signature): create, token, revoke, delete")
def _():
    async def run():
        async with AsyncIdentityClient.from_connection_string(CONNECTION_STRING, connection_verify=CA) as client:
            user, token = await client.create_user_and_token(scopes=["chat"])
            second = await client.get_token(user, ["chat", "voip"])
            check(second.token != token.token, "a second token")
            await client.revoke_tokens(user)
            await client.delete_user(user)
            try:
                await client.get_token(user, ["chat"])
                raise AssertionError("token for a deleted user")
            except ResourceNotFoundError:
                pass

    asyncio.run(run())


# ---------------------------------------------------------------- threads


@case("chat: create_chat_thread with participants; the same idempotency token returns the same thread")
def _():
    client = chat_client(U.alice_token)
    token = str(uuid.uuid4())
    members = [ChatParticipant(identifier=U.bob, display_name="Bob")]
    first = client.create_chat_thread("Hello", thread_participants=members, idempotency_token=token)
    again = client.create_chat_thread("Hello", thread_participants=members, idempotency_token=token)
    equal(again.chat_thread.id, first.chat_thread.id, "replayed thread id")
    check(re.match(r"^19:[A-Za-z0-9_-]+@thread\.v2$", first.chat_thread.id), first.chat_thread.id)
    equal(first.chat_thread.topic, "Hello", "topic")
    equal(raw_id(first.chat_thread.created_by), U.alice.properties["id"], "created_by")
    check(first.errors is None, f"errors {first.errors}")


@case("chat: the same idempotency token with another body is 409 (ResourceExistsError)")
def _():
    client = chat_client(U.alice_token)
    token = str(uuid.uuid4())
    client.create_chat_thread("one body", idempotency_token=token)
    err = expect_status(409, client.create_chat_thread, "another body", idempotency_token=token)
    check(isinstance(err, ResourceExistsError), type(err).__name__)


@case("chat: create_chat_thread with an unknown (well-formed) user: 201, valid members added (errors not surfaced by 1.2.0)")
def _():
    resource = U.alice.properties["id"][len("8:acs:"):].split("_")[0]
    ghost = CommunicationUserIdentifier(f"8:acs:{resource}_ffffffff-0000-0000-0000-000000000000")
    result = chat_client(U.alice_token).create_chat_thread(
        "with ghost", thread_participants=[ChatParticipant(identifier=ghost), ChatParticipant(identifier=U.bob)]
    )
    # The emulator answers invalidParticipants (see the JS suite); Python 1.2.0 looks for an `errors` attribute
    # the generated model does not have, so it always reports None.
    check(result.errors is None, f"errors {result.errors}")
    members = {raw_id(p.identifier) for p in thread_client(U.alice_token, result.chat_thread.id).list_participants()}
    equal(members, {U.alice.properties["id"], U.bob.properties["id"]}, "members")


@case("chat: get_properties returns id, topic, created_on, created_by; update_topic changes it")
def _():
    thread = new_thread("props")
    props = thread.get_properties()
    equal(props.id, thread.thread_id, "id")
    equal(props.topic, "props", "topic")
    check(isinstance(props.created_on, datetime.datetime), "created_on")
    equal(raw_id(props.created_by), U.alice.properties["id"], "created_by")
    thread.update_topic("props v2")
    equal(thread_client(U.bob_token, thread.thread_id).get_properties().topic, "props v2", "topic after update")
    latest = messages_of(thread, results_per_page=1)[0]
    equal(latest.type, ChatMessageType.TOPIC_UPDATED, "newest message type")
    equal(latest.content.topic, "props v2", "topicUpdated topic")
    equal(raw_id(latest.content.initiator), U.alice.properties["id"], "topicUpdated initiator")


@case("chat: list_chat_threads pages (results_per_page=1) and filters by start_time")
def _():
    user, token = U.new()
    client = chat_client(token)
    ids = [client.create_chat_thread(f"t{i}").chat_thread.id for i in range(3)]
    pages = [list(page) for page in client.list_chat_threads(results_per_page=1).by_page()]
    equal([len(p) for p in pages], [1, 1, 1], "page sizes")
    equal(sorted(t.id for p in pages for t in p), sorted(ids), "listed threads")
    item = next(t for p in pages for t in p if t.id == ids[0])
    equal(item.topic, "t0", "item topic")
    future = datetime.datetime.now(datetime.timezone.utc) + datetime.timedelta(hours=1)
    equal(list(client.list_chat_threads(start_time=future)), [], "threads after a future start_time")


@case("chat: delete_chat_thread -> 204; the thread is 404 for its members")
def _():
    thread = new_thread("doomed")
    chat_client(U.alice_token).delete_chat_thread(thread.thread_id)
    err = expect_status(404, thread_client(U.bob_token, thread.thread_id).get_properties)
    check(isinstance(err, ResourceNotFoundError), type(err).__name__)
    listed = [t for t in chat_client(U.alice_token).list_chat_threads() if t.id == thread.thread_id]
    check(len(listed) == 1 and listed[0].deleted_on is not None, "deleted thread listed with deleted_on")


# ---------------------------------------------------------------- messages


@case("chat: system messages at creation: participantAdded (seq 1) and topicUpdated (seq 2) with the initiator")
def _():
    thread = new_thread("sys")
    msgs = messages_of(thread)
    equal([m.type for m in msgs], [ChatMessageType.TOPIC_UPDATED, ChatMessageType.PARTICIPANT_ADDED], "types")
    equal([m.sequence_id for m in msgs], ["2", "1"], "sequence ids")
    added, topic = msgs[1], msgs[0]
    equal(sorted(raw_id(p.identifier) for p in added.content.participants),
          sorted([U.alice.properties["id"], U.bob.properties["id"]]), "participantAdded participants")
    for p in added.content.participants:
        equal(p.share_history_time, EPOCH, "shareHistoryTime")
    equal(raw_id(added.content.initiator), U.alice.properties["id"], "participantAdded initiator")
    equal(topic.content.topic, "sys", "topicUpdated topic")
    for m in msgs:
        check(m.sender is None, "system messages have no sender")
        equal(m.version, m.id, "version of a system message")


@case("chat: send_message (text with display name and metadata, html) then get_message returns every field")
def _():
    thread = new_thread()
    before = datetime.datetime.now(datetime.timezone.utc) - datetime.timedelta(seconds=2)
    sent = thread.send_message("hello world", sender_display_name="Alice", metadata={"tag": "greeting"})
    m = thread.get_message(sent.id)
    equal(m.id, sent.id, "id")
    equal(m.type, ChatMessageType.TEXT, "type")
    equal(m.content.message, "hello world", "content")
    equal(m.sender_display_name, "Alice", "sender_display_name")
    equal(raw_id(m.sender), U.alice.properties["id"], "sender")
    equal(m.metadata, {"tag": "greeting"}, "metadata")
    equal(m.version, m.id, "version")
    equal(m.sequence_id, "3", "sequence_id")
    check(m.created_on >= before, f"created_on {m.created_on}")
    check(m.edited_on is None and m.deleted_on is None, "not edited or deleted")
    html = thread_client(U.bob_token, thread.thread_id).send_message("<b>bold</b>", chat_message_type="html")
    h = thread.get_message(html.id)
    equal(h.type, ChatMessageType.HTML, "html type")
    equal(h.sender_display_name, "", "sender_display_name when none was given")


@case("chat: send_message over 28 KB is 400")
def _():
    thread = new_thread()
    expect_status(400, thread.send_message, "x" * (28 * 1024 + 1))


@case("chat: list_messages pages with results_per_page=2, newest first, nothing twice")
def _():
    thread = new_thread()
    sent = [thread.send_message(f"m{i}").id for i in range(5)]
    pages = [list(page) for page in thread.list_messages(results_per_page=2).by_page()]
    equal([len(p) for p in pages], [2, 2, 2, 1], "page sizes (5 + 2 system messages)")
    flat = [m for p in pages for m in p]
    seqs = [int(m.sequence_id) for m in flat]
    equal(seqs, sorted(seqs, reverse=True), "newest first")
    equal(len({m.id for m in flat}), len(flat), "distinct")
    equal([m.id for m in flat][:5], list(reversed(sent)), "user messages newest first")
    future = datetime.datetime.now(datetime.timezone.utc) + datetime.timedelta(hours=1)
    equal(messages_of(thread, start_time=future), [], "messages after a future start_time")


@case("chat: update_message changes content and metadata, sets edited_on, new version and the next sequence_id")
def _():
    thread = new_thread()
    a = thread.send_message("draft", metadata={"v": "1"})
    b = thread.send_message("other")
    thread.update_message(a.id, content="final", metadata={"v": "2"})
    m = thread.get_message(a.id)
    equal(m.content.message, "final", "content")
    equal(m.metadata, {"v": "2"}, "metadata")
    check(m.edited_on is not None, "edited_on")
    check(int(m.version) > int(b.id), f"version {m.version} after the edit")
    equal(m.sequence_id, "5", "sequence_id (a 3, b 4, the edit 5)")
    equal(messages_of(thread)[0].id, a.id, "the edited message lists first")


@case("chat: a deleted message lists and gets cleanly (deleted_on, content.message '', new version, next sequence_id)")
def _():
    thread = new_thread()
    gone = thread.send_message("oops", sender_display_name="Alice", metadata={"k": "v"})
    kept = thread.send_message("kept")
    thread.update_message(gone.id, content="oops, edited")
    edited = thread.get_message(gone.id)
    time.sleep(0.01)
    thread.delete_message(gone.id)
    msgs = messages_of(thread)  # Python 1.2.0 raised AttributeError here when content was absent
    equal([m.sequence_id for m in msgs], ["6", "4", "2", "1"], "sequence ids (sent 3, edited 5, deleted 6)")
    equal([m.id for m in msgs[:2]], [gone.id, kept.id], "order")
    for m in (msgs[0], thread.get_message(gone.id), thread_client(U.bob_token, thread.thread_id).get_message(gone.id)):
        equal(m.type, ChatMessageType.TEXT, "type")
        equal(m.content.message, "", "content.message")
        check(m.deleted_on is not None, "deleted_on")
        check(m.edited_on is None, "edited_on is not shown once deleted")
        check(not m.metadata, f"metadata {m.metadata}")
        check(int(m.version) > int(edited.version), "a new version")
        equal(m.sequence_id, "6", "sequence_id")
        equal(m.sender_display_name, "Alice", "sender_display_name")
        equal(raw_id(m.sender), U.alice.properties["id"], "sender")
        equal(m.created_on, edited.created_on, "created_on")
    thread.delete_message(gone.id)  # idempotent
    expect_status(404, thread.update_message, gone.id, content="back")


# ---------------------------------------------------------------- participants, receipts, typing


@case("chat: add_participants returns []; participantAdded; list_participants pages with results_per_page and skip")
def _():
    thread = new_thread()
    failed = thread.add_participants([ChatParticipant(identifier=U.carol, display_name="Carol")])
    equal(failed, [], "failed participants")
    latest = messages_of(thread, results_per_page=1)[0]
    equal(latest.type, ChatMessageType.PARTICIPANT_ADDED, "system message")
    equal([raw_id(p.identifier) for p in latest.content.participants], [U.carol.properties["id"]], "added")
    pages = [list(p) for p in thread.list_participants(results_per_page=1).by_page()]
    equal([len(p) for p in pages], [1, 1, 1], "participant pages")
    members = [p for page in pages for p in page]
    equal([raw_id(p.identifier) for p in members],
          [U.alice.properties["id"], U.bob.properties["id"], U.carol.properties["id"]], "join order")
    equal([p.display_name for p in members], [None, "Bob", "Carol"], "display names")
    for p in members:
        equal(p.share_history_time, EPOCH, "share_history_time")
    equal([raw_id(p.identifier) for p in thread.list_participants(skip=2)], [U.carol.properties["id"]], "skip")


@case("chat: add_participants with an unknown (well-formed) user reports it as a failed participant")
def _():
    thread = new_thread()
    resource = U.alice.properties["id"][len("8:acs:"):].split("_")[0]
    ghost = CommunicationUserIdentifier(f"8:acs:{resource}_eeeeeeee-0000-0000-0000-000000000000")
    failed = thread.add_participants([ChatParticipant(identifier=ghost), ChatParticipant(identifier=U.carol)])
    equal(len(failed), 1, "one failed participant")
    participant, error = failed[0]
    equal(raw_id(participant.identifier), ghost.properties["id"], "failed participant")
    equal(error.code, "NotFound", "error code")
    check(U.carol.properties["id"] in {raw_id(p.identifier) for p in thread.list_participants()}, "carol added")


@case("chat: remove_participant -> participantRemoved; the removed member can no longer send (403)")
def _():
    thread = new_thread()
    thread.add_participants([ChatParticipant(identifier=U.carol)])
    thread.remove_participant(U.carol)
    latest = messages_of(thread, results_per_page=1)[0]
    equal(latest.type, ChatMessageType.PARTICIPANT_REMOVED, "system message")
    equal([raw_id(p.identifier) for p in latest.content.participants], [U.carol.properties["id"]], "removed")
    equal(raw_id(latest.content.initiator), U.alice.properties["id"], "initiator")
    expect_status(403, thread_client(U.carol_token, thread.thread_id).send_message, "still here?")
    check(U.carol.properties["id"] not in {raw_id(p.identifier) for p in thread.list_participants()}, "gone")


@case("chat: send_read_receipt / list_read_receipts (results_per_page, skip)")
def _():
    thread = new_thread()
    first = thread.send_message("read me")
    second = thread.send_message("and me")
    thread.send_read_receipt(first.id)
    bob = thread_client(U.bob_token, thread.thread_id)
    bob.send_read_receipt(second.id)
    pages = [list(p) for p in thread.list_read_receipts(results_per_page=1).by_page()]
    equal([len(p) for p in pages], [1, 1], "receipt pages")
    receipts = {raw_id(r.sender): r for page in pages for r in page}
    equal(receipts[U.alice.properties["id"]].chat_message_id, first.id, "alice's receipt")
    equal(receipts[U.bob.properties["id"]].chat_message_id, second.id, "bob's receipt")
    check(all(isinstance(r.read_on, datetime.datetime) for r in receipts.values()), "read_on")
    equal(len(list(thread.list_read_receipts(skip=1))), 1, "skip")
    expect_status(404, thread.send_read_receipt, "1000000000000")


@case("chat: send_typing_notification with and without sender_display_name")
def _():
    thread = new_thread()
    check(thread.send_typing_notification() is None, "typing")
    check(thread.send_typing_notification(sender_display_name="Alice") is None, "typing with a name")


# ---------------------------------------------------------------- failures


@case("chat: 401 for a token with a bad signature")
def _():
    err = expect_status(401, chat_client(bad_signature(U.alice_token)).create_chat_thread, "x")
    check(isinstance(err, ClientAuthenticationError), type(err).__name__)
    expect_status(401, thread_client(bad_signature(U.alice_token), new_thread().thread_id).get_properties)


@case("chat: 403 for a non-member, for editing or deleting another's message, and for a voip-only token")
def _():
    thread = new_thread()
    carol = thread_client(U.carol_token, thread.thread_id)
    expect_status(403, carol.get_properties)
    expect_status(403, carol.send_message, "let me in")
    expect_status(403, carol.send_typing_notification)
    expect_status(403, lambda: list(carol.list_participants()))
    expect_status(403, lambda: list(carol.list_messages()))
    sent = thread.send_message("alice's")
    bob = thread_client(U.bob_token, thread.thread_id)
    expect_status(403, bob.update_message, sent.id, content="bob's now")
    expect_status(403, bob.delete_message, sent.id)
    _, voip = U.new(scopes=("voip",))
    expect_status(403, chat_client(voip).create_chat_thread, "voip only")


@case("chat: 404 for an unknown thread and an unknown message")
def _():
    unknown = "19:" + "A" * 43 + "@thread.v2"
    err = expect_status(404, thread_client(U.alice_token, unknown).get_properties)
    check(isinstance(err, ResourceNotFoundError), type(err).__name__)
    expect_status(404, thread_client(U.alice_token, unknown).send_message, "nobody home")
    thread = new_thread()
    expect_status(404, thread.get_message, "1000000000000")
    expect_status(404, thread.update_message, "1000000000000", content="x")
    check("NotFound" in str(expect_status(404, thread.get_message, "1000000000001")), "error body")


@case("chat (async client): send, delete, and list a thread with a deleted message")
def _():
    async def run():
        async with AsyncChatClient(ENDPOINT, AsyncTokenCredential(U.alice_token), connection_verify=CA) as client:
            result = await client.create_chat_thread("async", thread_participants=[ChatParticipant(identifier=U.bob)])
            async with client.get_chat_thread_client(result.chat_thread.id, connection_verify=CA) as thread:
                sent = await thread.send_message("async hello")
                await thread.delete_message(sent.id)
                msgs = [m async for m in thread.list_messages(results_per_page=1)]
                equal(len(msgs), 3, "messages")
                equal(msgs[0].id, sent.id, "deleted message first")
                equal(msgs[0].content.message, "", "content.message")
                check(msgs[0].deleted_on is not None, "deleted_on")
                equal((await thread.get_message(sent.id)).content.message, "", "get_message")

    asyncio.run(run())


@case("coverage: every public operation of the identity, chat and chat-thread clients was called")
def _():
    missing = sorted(operations() - CALLED)
    equal(missing, [], "operations never called")


# ---------------------------------------------------------------- runner


def main():
    global U
    passed = failed = 0
    try:
        U = Users()
    except Exception as err:  # the emulator or the SDK is not usable: every case fails with the reason
        reason = f"setup failed: {type(err).__name__}: {err}".replace("\n", " ")
        for name, _fn in CASES:
            print(f"FAIL {name}: {reason}", flush=True)
        print(f"0 passed, {len(CASES)} failed", flush=True)
        return 1
    for name, fn in CASES:
        try:
            fn()
            passed += 1
            print(f"PASS {name}", flush=True)
        except Exception as err:
            failed += 1
            where = traceback.extract_tb(err.__traceback__)[-1]
            reason = f"{type(err).__name__}: {err} (line {where.lineno})".replace("\n", " ")
            print(f"FAIL {name}: {reason[:600]}", flush=True)
    print(f"{passed} passed, {failed} failed", flush=True)
    return 0 if failed == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
