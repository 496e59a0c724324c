"""The reference: a bare Streamlit page with one st.write."""

import streamlit as st

st.write("Pagina vuota di riferimento")
