"""``tokenfab serve``: where the dashboard listens and which database it shows
(``ServeConfig``), and what it served (``ServeResult``, schema ``tokenfab.serve/1``)."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from tokenfab.schemas.net import is_loopback

SCHEMA_ID = "tokenfab.serve/1"
DEFAULT_PORT = 8321


class ServeConfig(BaseModel):
    """The dashboard has no login: it listens on loopback unless ``allow_remote``."""

    model_config = ConfigDict(extra="forbid")

    db: str | None = Field(default=None, description="SQLAlchemy URL of the results database "
                                                     "(default: the tokenfab data directory's)")
    host: str = Field(default="127.0.0.1", description="address to listen on")
    port: int = Field(default=DEFAULT_PORT, description="TCP port (0: any free port)")
    allow_remote: bool = Field(default=False, description="listen on a non-loopback address")

    @field_validator("port")
    @classmethod
    def _port(cls, v: int) -> int:
        if not 0 <= v <= 65535:
            raise ValueError(f"--port {v} is out of range: give 0-65535 (0: any free port; "
                             f"default {DEFAULT_PORT})")
        return v

    @field_validator("host")
    @classmethod
    def _host(cls, v: str) -> str:
        if not v.strip():
            raise ValueError("--host is empty; give an address such as 127.0.0.1")
        return v.strip()

    @field_validator("db")
    @classmethod
    def _db(cls, v: str | None) -> str | None:
        if v is not None and not v.strip():
            raise ValueError("--db is empty; give a URL such as sqlite:///path/to/tokenfab.db")
        return v

    @model_validator(mode="after")
    def _loopback_unless_allowed(self) -> ServeConfig:
        if not self.allow_remote and not is_loopback(self.host):
            raise ValueError(f"--host {self.host} is not a loopback address and the dashboard "
                             "has no login; pass --allow-remote to serve it beyond this machine")
        return self


class ServeResult(BaseModel):
    model_config = ConfigDict(extra="forbid", populate_by_name=True)

    schema_: str = Field(SCHEMA_ID, alias="schema")
    url: str = Field(description="where the dashboard was served")
    db: str = Field(description="the database shown, password masked")


__all__ = ["DEFAULT_PORT", "SCHEMA_ID", "ServeConfig", "ServeResult", "is_loopback"]
