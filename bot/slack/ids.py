"""Every action id, callback id and block id prefix the Slack app uses, in one place."""

REPLY = "reply"  # a button whose value carries the typed reply it stands for
PICK_MANY = "pick_many"  # multi-select of options: the reply is their numbers
PICK_ONE = "pick_one"
OPEN_RATINGS = "open_ratings"  # opens the six-factor rating modal
OPEN_LIST = "open_list"  # opens the modal for entering many lines at once
OPEN_WEIGHTS = "open_weights"
OPEN_STEP_FORM = "open_step_form"  # opens the form answering a knock-out step's criteria at once (steps 3-5)
NUDGE = "nudge"  # reminds the participants who have not rated yet
RATERS = "raters"  # the kickoff's people picker: who rates in step 6 (its block id: "<review id>:raters")
HOME_OPEN_REVIEW = "home_open_review"  # link button on App Home (acked, nothing else)
OPEN_REPORT = "open_report_page"  # link button to the report page, under the shortlist (acked, nothing else)
RATE_IN_PRIVATE = "rate_in_private"  # in a DM: which open rating question the ratings sent are for (`:N`)

RATINGS_VIEW = "ratings_view"
LIST_VIEW = "list_view"
WEIGHTS_VIEW = "weights_view"
STEP_VIEW = "step_view"
CHECKIN_VIEW = "checkin_view"  # `/outsource-review checkin`: one number per metric

ROUND_STATUS_BLOCK = "round_status"  # a question's line of what it has gathered (who has rated)
HOW_TO_ANSWER_BLOCK = "how_to_answer"  # a question's last line: what replies it takes
LIST_INPUT_BLOCK = "lines"
LIST_INPUT = "lines_input"
FACTOR_BLOCK_PREFIX = "factor:"
FACTOR_SELECT = "factor_value"
WEIGHT_BLOCK_PREFIX = "weight:"
WEIGHT_INPUT = "weight_value"
CRITERION_BLOCK_PREFIX = "criterion:"  # + a criterion's id, in the step form
CRITERION_SELECT = "criterion_value"
CHECKIN_BLOCK_PREFIX = "checkin:"  # + a token of (task, metric)
CHECKIN_INPUT = "checkin_value"
CHECKIN_PERIOD_BLOCK = "checkin_period"
CHECKIN_PERIOD_INPUT = "checkin_period_value"

ACTION_IDS = (
    REPLY,
    PICK_MANY,
    PICK_ONE,
    OPEN_RATINGS,
    OPEN_LIST,
    OPEN_WEIGHTS,
    OPEN_STEP_FORM,
    NUDGE,
    RATERS,
    HOME_OPEN_REVIEW,
    OPEN_REPORT,
    RATE_IN_PRIVATE,
)
VIEW_IDS = (RATINGS_VIEW, LIST_VIEW, WEIGHTS_VIEW, STEP_VIEW, CHECKIN_VIEW)
