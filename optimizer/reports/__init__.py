"""Reports for people: the message catalogue (Korean and English) and the briefing (HTML).

Pure python: no streamlit here, so the CLI, the app and tests can use them alike.
"""
