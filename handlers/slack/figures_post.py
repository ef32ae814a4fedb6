"""The monthly figures, posted to MHCLG's triage channel as the figures PDF's charts (PNGs,
uploaded with files.uploadV2: Slack's getUploadURLExternal, the upload, completeUploadExternal)
under a short summary. The charts are aggregates: no council's incident detail, so OFFICIAL.
"""

from __future__ import annotations

import asyncio
import statistics

from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from bot.ports.chat import ChatDelivery
from bot.reporting.figures import MonthlyFigures
from handlers.report.figures_pdf import MARKING, chart_images
from handlers.slack.refusals import slack_error


def summary(figures: MonthlyFigures) -> str:
    contacts = [m for p in figures.providers for m in p.minutes_to_contact]
    median = (
        f"median time to contact {statistics.median(contacts):g} min"
        if contacts
        else "no contact recorded"
    )
    return (
        f"[{MARKING}] CIR figures for {figures.month:%B %Y}: {figures.incidents} referrals, "
        f"{figures.activated} activated; contact deadlines met {figures.met}, missed "
        f"{figures.missed}; {median}. `python -m bot figures --month {figures.month:%Y-%m}` "
        "gives the full PDF."
    )


class SlackFiguresPost:
    def __init__(self, client: AsyncWebClient, channel: str) -> None:
        self.client, self.channel = client, channel

    async def post(self, figures: MonthlyFigures, deadline_minutes: float) -> ChatDelivery:
        route = f"slack:{self.channel}"
        # matplotlib is CPU work: off the event loop, which is answering Slack meanwhile
        charts = await asyncio.to_thread(chart_images, figures, deadline_minutes=deadline_minutes)
        stem = f"cir-figures-{figures.month:%Y-%m}"
        uploads = [
            {"file": png, "filename": f"{stem}-{n}.png", "title": f"[{MARKING}] {title}"}
            for n, (title, png) in enumerate(charts, start=1)
        ]
        try:
            await self.client.files_upload_v2(
                channel=self.channel, file_uploads=uploads, initial_comment=summary(figures)
            )
        except SlackApiError as exc:
            return ChatDelivery(False, route, slack_error(exc))
        except Exception as exc:  # the network, after the client's retries
            return ChatDelivery(False, route, type(exc).__name__)
        return ChatDelivery(True, route)
