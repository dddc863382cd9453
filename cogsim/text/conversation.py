"""Conversations as (prompt, response): the last assistant turn is the response the
featurizer reads, the turns before it the prompt.

Two forms are read: a list of messages ``{"role": ..., "content": ...}`` (the
conversational format of TRL's datasets; roles ``system``, ``user``, ``assistant``), and a
transcript string in hh-rlhf's layout (``"\\n\\nHuman: ...\\n\\nAssistant: ..."``).
:func:`as_response` reads a plain string as the response itself.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence

from cogsim.errors import ItemError, show

__all__ = ["as_prompt", "as_response", "split_conversation"]

_TURN = re.compile(r"\n\n(Human|Assistant):")


def _message_text(message: object, name: str, k: int) -> tuple[str, str]:
    if not isinstance(message, Mapping):
        raise ItemError(f"{name}, message {k + 1}: expected a mapping with 'role' and "
                        f"'content', got {show(message)}")
    role, content = message.get("role"), message.get("content")
    if not isinstance(role, str) or not isinstance(content, str):
        raise ItemError(f"{name}, message {k + 1}: expected 'role' and 'content' strings, "
                        f"got role {show(role)} and content {show(content)}")
    return role, content


def split_conversation(conversation: str | Sequence[Mapping[str, str]],
                       name: str = "conversation") -> tuple[str, str]:
    """(prompt, response) of a conversation whose last turn is the assistant's.

    Parameters
    ----------
    conversation : str or list of mappings
        Messages ``[{"role": "user", "content": ...}, {"role": "assistant", ...}]``, or an
        hh-rlhf transcript ``"\\n\\nHuman: ...\\n\\nAssistant: ..."``.
    name : str
        How error messages name it.

    Returns
    -------
    (str, str)
        The response is the content of the last assistant turn (stripped of surrounding
        whitespace in a transcript); the prompt is the earlier turns, a single user turn as
        its content alone, several as ``"Role: content"`` blocks separated by blank lines.
        Turns after the last assistant turn are left out.

    Raises
    ------
    cogsim.errors.ItemError
        Naming ``name`` (and the message) when the conversation has no assistant turn, a
        message is not a mapping of ``role`` and ``content`` strings, or the value is
        neither a string nor a list of messages.
    """
    if isinstance(conversation, str):
        parts = _TURN.split(conversation)      # [before, role, text, role, text, ...]
        turns = [("user" if role == "Human" else "assistant", text.strip())
                 for role, text in zip(parts[1::2], parts[2::2])]
        if parts[0].strip():
            turns.insert(0, ("user", parts[0].strip()))
    elif isinstance(conversation, Sequence) and not isinstance(conversation, bytes | bytearray):
        turns = [_message_text(m, name, k) for k, m in enumerate(conversation)]
    else:
        raise ItemError(f"{name}: expected a string or a list of messages with 'role' and "
                        f"'content', got {type(conversation).__name__}")
    last = max((k for k, (role, _) in enumerate(turns) if role == "assistant"), default=None)
    if last is None:
        roles = [role for role, _ in turns]
        raise ItemError(f"{name}: no assistant turn; expected a conversation that ends in "
                        f"the assistant's response (found roles {roles})")
    return _prompt_text(turns[:last]), turns[last][1]


def _prompt_text(turns: list[tuple[str, str]]) -> str:
    """A single user turn as its content; several turns as ``"Role: content"`` blocks
    separated by blank lines."""
    if len(turns) == 1 and turns[0][0] == "user":
        return turns[0][1]
    return "\n\n".join(f"{role.capitalize()}: {content}" for role, content in turns)


def as_prompt(value: object, name: str = "prompt") -> str:
    """A prompt text from a string or a list of messages (TRL's conversational prompts).

    A string is returned as it stands; a list of messages is written as
    :func:`split_conversation` writes the turns before a response (one user turn: its
    content; several: ``"Role: content"`` blocks).  Anything else, or a message that is not
    a mapping of ``role`` and ``content`` strings, is an ItemError naming ``name``.
    """
    if isinstance(value, str):
        return value
    if isinstance(value, Sequence) and not isinstance(value, bytes | bytearray):
        return _prompt_text([_message_text(m, name, k) for k, m in enumerate(value)])
    raise ItemError(f"{name}: expected a string or a list of messages, got {show(value)}")


def as_response(value: object, name: str = "response") -> str:
    """A response text from a string or a list of messages (its last assistant turn).

    A string is returned as it stands (it is the response, not a transcript); a list of
    messages gives the content of its last assistant turn (:func:`split_conversation`).
    Anything else is an :class:`~cogsim.errors.ItemError` naming ``name``.
    """
    if isinstance(value, str):
        return value
    if isinstance(value, Sequence) and not isinstance(value, bytes | bytearray):
        return split_conversation(value, name)[1]
    raise ItemError(f"{name}: expected a string or a list of messages, got {show(value)}")
