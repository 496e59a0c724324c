"""The login cookie keeps streamlit-authenticator's format: cookies written by the library (earlier releases
drew its cookie component) still log in, and the library reads ours. Our reader refuses anything else."""

from __future__ import annotations

from datetime import datetime, timedelta

import jwt
import pytest
import streamlit as st
from streamlit_authenticator.models.cookie_model import CookieModel

from components.auth_gate import COOKIE_EXPIRY_DAYS, login_token, token_claims

KEY = "k" * 8 + "a-real-32-byte-key-for-the-tests-only"


def library_cookie(username: str, key: str) -> str:
    """The token exactly as streamlit-authenticator 0.4.2 encodes it (CookieModel._token_encode)."""
    model = object.__new__(CookieModel)  # no cookie component: only its encoding is used
    model.cookie_key = key
    model.cookie_expiry_days = COOKIE_EXPIRY_DAYS
    model.exp_date = model._set_exp_date()
    st.session_state["username"] = username
    try:
        return model._token_encode()
    finally:
        del st.session_state["username"]


def library_reads(token: str, key: str) -> dict:
    model = object.__new__(CookieModel)
    model.cookie_key, model.token = key, token
    return model._token_decode()


def test_a_cookie_written_by_the_library_logs_in():
    claims = token_claims(library_cookie("referente.a", KEY), KEY)
    assert claims is not None and claims[0] == "referente.a"
    issued = datetime.fromtimestamp(claims[1])
    assert abs((datetime.now() - issued).total_seconds()) < 60  # issued now, expiring in 7 days


def test_the_library_reads_our_cookie():
    expires = datetime.now() + timedelta(days=COOKIE_EXPIRY_DAYS)
    claims = library_reads(login_token("ufficio", KEY, expires), KEY)
    assert claims["username"] == "ufficio"
    assert claims["exp_date"] == pytest.approx(expires.timestamp())


@pytest.mark.parametrize(
    "token",
    [
        None,
        "",
        "garbage",
        42,
        jwt.encode({"username": "admin", "exp_date": 9e9}, "another-key-of-at-least-32-bytes!!", algorithm="HS256"),
        jwt.encode({"username": "admin", "exp_date": 9e9}, KEY * 2, algorithm="HS512"),  # another algorithm
        jwt.encode({"username": "admin", "exp_date": 1.0}, KEY, algorithm="HS256"),  # expired
        jwt.encode({"username": ["admin"], "exp_date": 9e9}, KEY, algorithm="HS256"),
        jwt.encode({"username": "admin", "exp_date": True}, KEY, algorithm="HS256"),
        jwt.encode({"username": "admin"}, KEY, algorithm="HS256"),
    ],
)
def test_anything_else_is_no_cookie(token):
    assert token_claims(token, KEY) is None
