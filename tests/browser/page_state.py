"""What "drawn" means for a Streamlit page in Chromium, shared by the browser tests and the benchmark."""

# Still being drawn: a script run in progress (Streamlit's status widget), an element of the previous run still
# shown (data-stale, greyed out), or an element whose code has not arrived yet (Streamlit loads each widget kind's
# code the first time a page shows one, and shows a skeleton in its place until then).
NOT_DRAWN = '[data-testid="stStatusWidget"], [data-stale="true"], [data-testid="stSkeleton"]'
