"""Block Kit for the review, a module per surface: the thread's kickoff and questions (`question`), the
shortlist (`report`), App Home and the help text (`home`), the answer forms (`modals`); `parts` holds what
they share.

Everything is built with `slack_sdk.models`, which checks Slack's length limits. User-typed text always goes
through `escape` before it reaches mrkdwn.
"""
