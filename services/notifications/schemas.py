"""Notifications' response bodies."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel


class NoticeOut(BaseModel):
    id: str
    type: str
    title: str
    body: str
    read: bool
    created_at: datetime


class InboxOut(BaseModel):
    items: list[NoticeOut]
    unread: int


class DeadLetterOut(BaseModel):
    id: str
    service: str
    type: str | None
    error: str
    attempts: int
    failed_at: datetime | None
    body: str


class DeadLettersOut(BaseModel):
    items: list[DeadLetterOut]
