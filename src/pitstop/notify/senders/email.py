"""``kind = "email"``: a plain-text email over SMTP — STARTTLS (default), TLS from the
start, or plain for a local relay — with authentication when a username is set."""

from __future__ import annotations

import smtplib
import ssl
from email.message import EmailMessage
from email.utils import formatdate, make_msgid

from pitstop.notify.message import Message
from pitstop.notify.senders import Answer, Target
from pitstop.redact import redact

PORTS = {"starttls": 587, "tls": 465, "none": 25}


def compose(target: Target, message: Message) -> EmailMessage:
    mail = EmailMessage()
    mail["Subject"] = message.title
    mail["From"] = target.value(target.spec.sender, "from")
    mail["To"] = ", ".join(target.value(a, "to") for a in target.spec.to)
    mail["Date"] = formatdate(localtime=False, usegmt=True)
    mail["Message-ID"] = make_msgid(domain="pitstop.invalid")
    mail["X-Pitstop-Event"] = message.event
    mail.set_content(message.text())
    return mail


def _text(code: int, reply: bytes | str) -> str:
    text = reply.decode("utf-8", "replace") if isinstance(reply, bytes) else reply
    return redact(f"{code} {' '.join(text.split())}")


def send_email(target: Target, message: Message, /) -> Answer:
    spec = target.spec
    mail = compose(target, message)
    context = ssl.create_default_context(cafile=str(spec.ca_file) if spec.ca_file else None)
    host, port = target.value(spec.host, "host"), spec.port or PORTS[spec.security]
    try:
        if spec.security == "tls":
            client: smtplib.SMTP = smtplib.SMTP_SSL(host, port, timeout=spec.timeout,
                                                    context=context)
        else:
            client = smtplib.SMTP(host, port, timeout=spec.timeout)
        with client:
            client.ehlo()
            if spec.security == "starttls":
                client.starttls(context=context)
                client.ehlo()
            if spec.username:
                client.login(target.value(spec.username, "username"), target.field("password"))
            client.mail(str(mail["From"]))
            for address in spec.to:
                code, reply = client.rcpt(target.value(address, "to"))
                if code not in (250, 251):
                    return Answer(False, f"recipient refused: {_text(code, reply)}",
                                  retry=400 <= code < 500)
            code, reply = client.data(mail.as_bytes())
            if code != 250:
                return Answer(False, _text(code, reply), retry=400 <= code < 500)
            return Answer(True, _text(code, reply))
    except smtplib.SMTPNotSupportedError as exc:
        return Answer(False, redact(f"the server does not support it: {exc}"))
    except smtplib.SMTPResponseException as exc:  # login refused, a 4xx/5xx reply
        return Answer(False, _text(exc.smtp_code, exc.smtp_error),
                      retry=400 <= exc.smtp_code < 500)
    except ssl.SSLError as exc:
        return Answer(False, redact(f"TLS failed: {exc}"), answered=False)
    except (TimeoutError, smtplib.SMTPException, OSError) as exc:
        return Answer(False, redact(f"cannot connect to {host}:{port}: "
                                    f"{exc or type(exc).__name__}"), retry=True, answered=False)
