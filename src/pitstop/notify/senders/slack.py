"""``kind = "slack"``: a message to a Slack incoming webhook (Block Kit, with a plain
text fallback): status, run, duration, the failed task and its last log lines."""

from __future__ import annotations

import json

from pitstop.notify.message import Message
from pitstop.notify.senders import Answer, Target
from pitstop.notify.senders.http import post

SECTION_LIMIT = 2900  # Slack refuses a section text over 3000 characters


def payload(message: Message) -> dict[str, object]:
    facts = "\n".join(f"*{label}:* {value}" for label, value in message.facts)
    blocks: list[dict[str, object]] = [
        {"type": "section", "text": {"type": "mrkdwn",
                                     "text": f"*{message.title}*\n{facts}"[:SECTION_LIMIT]}},
    ]
    if message.log_tail:
        log = "\n".join(message.log_tail).replace("```", "'''")
        blocks.append({"type": "section", "text": {
            "type": "mrkdwn", "text": "```" + log[-(SECTION_LIMIT - 6):] + "```"}})
    return {"text": message.text()[:SECTION_LIMIT], "blocks": blocks}


def send_slack(target: Target, message: Message, /) -> Answer:
    body = json.dumps(payload(message)).encode("utf-8")
    return post(target, target.field("url"), body, {})
