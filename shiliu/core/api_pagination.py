"""Page-number pagination for the API: ``page`` and ``page_size`` in, ``count`` and ``results`` out."""

from typing import Generic, TypeVar

from django.http import Http404
from ninja import Field, Schema

T = TypeVar("T")


class PageIn(Schema):
    page: int = Field(1, ge=1, description="页码，从1开始")
    page_size: int = Field(50, ge=1, le=200, description="每页条数，最多200")


class Page(Schema, Generic[T]):
    count: int
    page: int
    page_size: int
    results: list[T]


def page_of(qs, params: PageIn) -> dict:
    count = qs.count()
    start = (params.page - 1) * params.page_size
    if start and start >= count:
        raise Http404("页码超出范围")
    return {
        "count": count,
        "page": params.page,
        "page_size": params.page_size,
        "results": list(qs[start : start + params.page_size]),
    }
