"""Cà Mau one-stop e-government: the Zalo Official Account channel.

This file is the table of contents of the system: every HTTP route, queue consumer and schedule,
each body one line delegating into ``chalicelib/``. Controllers are loaded lazily so that every
Lambda function pays at cold start only for what it uses (docs/architecture.md).
"""

from chalice import Chalice, Cron, Rate

from chalicelib.platform.lazy import module

app = Chalice(app_name="camau-zalo")

health = module("chalicelib.api.health")
public = module("chalicelib.api.public")
webhook = module("chalicelib.api.webhook")
verifier = module("chalicelib.api.verifier")
oauth = module("chalicelib.api.oauth")
schedules = module("chalicelib.schedules")
inbound = module("chalicelib.inbound.consumer")
form = module("chalicelib.api.form")
feedback_api = module("chalicelib.api.feedback")
exports = module("chalicelib.api.exports")
integration_ping = module("chalicelib.api.integration.ping")
reports = module("chalicelib.api.reports")
integration_dossiers = module("chalicelib.api.integration.dossiers")
integration_openapi = module("chalicelib.api.integration.openapi")
results = module("chalicelib.api.results")
live = module("chalicelib.api.integration.live")
postal_events = module("chalicelib.api.integration.postal")
postal = module("chalicelib.postal.consumer")


# --- HTTP: operations ---------------------------------------------------------------------------
@app.route("/health", methods=["GET"])
def get_health():
    return health.get(app.current_request)


@app.route("/health/ready", methods=["GET"])
def get_health_ready():
    return health.ready(app.current_request)


# --- HTTP: Zalo ---------------------------------------------------------------------------------
@app.route("/zalo/webhook", methods=["POST"], content_types=["application/json", "text/plain"])
def zalo_webhook():
    return webhook.handle(app.current_request)


@app.route("/{filename}", methods=["GET"])
def zalo_domain_verifier(filename):
    return verifier.serve(filename)


@app.route("/zalo/oauth/start", methods=["GET"])
def zalo_oauth_start():
    return oauth.start(app.current_request)


@app.route("/zalo/oauth/callback", methods=["GET"])
def zalo_oauth_callback():
    return oauth.callback(app.current_request)


# --- HTTP: public lookups -----------------------------------------------------------------------
@app.route("/public/dossiers/{code}", methods=["GET"])
def public_dossier(code):
    return public.get_dossier(code)


@app.route("/public/procedures", methods=["GET"])
def public_procedures():
    return public.search_procedures(app.current_request)


@app.route("/public/procedures/{code}", methods=["GET"])
def public_procedure(code):
    return public.get_procedure(code)


@app.route("/public/faq", methods=["GET"])
def public_faq():
    return public.search_faq(app.current_request)


# --- HTTP: the web form for long dossiers (signed single-use links; chalicelib/api/form.py) ----
@app.route("/form/{token}", methods=["GET"])
def webform_page(token):
    return form.page(token)


@app.route("/form/{token}/uploads", methods=["POST"], content_types=["application/json"])
def webform_uploads(token):
    return form.presign(token, app.current_request)


@app.route("/form/{token}", methods=["POST"], content_types=["application/x-www-form-urlencoded"])
def webform_submit(token):
    return form.submit(token, app.current_request)


# --- HTTP: personal-data rights (issue 15): a citizen's export, by the signed link sent in Zalo
@app.route("/public/exports/{token}", methods=["GET"])
def data_export(token):
    return exports.get(token)


# --- HTTP: the back-office integration API (signed; chalicelib/api/integration/) ----------------
@app.route("/integration/v1/ping", methods=["GET"])
def integration_ping_route():
    return integration_ping.ping(app.current_request)


@app.route("/integration/v1/openapi.json", methods=["GET"])
def integration_openapi_route():
    return integration_openapi.serve()


@app.route("/integration/v1/dossiers", methods=["GET"])
def integration_list_dossiers():
    return integration_dossiers.list_dossiers(app.current_request)


@app.route("/integration/v1/dossiers/{code}", methods=["GET"])
def integration_get_dossier(code):
    return integration_dossiers.get_dossier(app.current_request, code)


@app.route("/integration/v1/dossiers/{code}", methods=["PUT"], content_types=["application/json"])
def integration_put_dossier(code):
    return integration_dossiers.put_dossier(app.current_request, code)


@app.route(
    "/integration/v1/dossiers/{code}/events", methods=["POST"], content_types=["application/json"]
)
def integration_post_event(code):
    return integration_dossiers.post_event(app.current_request, code)


@app.route(
    "/integration/v1/dossiers/{code}/result-uploads",
    methods=["POST"],
    content_types=["application/json"],
)
def integration_result_upload(code):
    return integration_dossiers.result_upload(app.current_request, code)


@app.route("/integration/v1/dossiers/{code}/access-log", methods=["GET"])
def integration_access_log(code):
    return integration_dossiers.access_log(app.current_request, code)


# A citizen's 30-day link to an electronic result: 302 to a fresh presigned GET.
@app.route("/public/results/{token}", methods=["GET"])
def public_result(token):
    return results.redirect(token)


# --- HTTP: officers' inbox of questions, feedback and petitions (issue 14; api/feedback.py) ----
@app.route("/integration/v1/feedback", methods=["GET"])
def feedback_inbox():
    return feedback_api.inbox(app.current_request)


@app.route("/integration/v1/feedback/{ref}", methods=["GET"])
def feedback_item(ref):
    return feedback_api.get_one(app.current_request, ref)


@app.route("/integration/v1/feedback/{ref}/{operation}", methods=["POST"])
def feedback_action(ref, operation):
    return feedback_api.act(app.current_request, ref, operation)


# --- HTTP: integration API, live conversations with an officer ("Gặp cán bộ", issue 14) -------
@app.route("/integration/v1/conversations", methods=["GET"])
def live_conversations():
    return live.list_conversations(app.current_request)


@app.route("/integration/v1/conversations/{ref}", methods=["GET"])
def live_conversation(ref):
    return live.get_conversation(app.current_request, ref)


@app.route(
    "/integration/v1/conversations/{ref}/messages",
    methods=["POST"],
    content_types=["application/json"],
)
def live_conversation_reply(ref):
    return live.reply(app.current_request, ref)


@app.route(
    "/integration/v1/conversations/{ref}/close",
    methods=["POST"],
    content_types=["application/json"],
)
def live_conversation_close(ref):
    return live.close(app.current_request, ref)


# --- HTTP: postal provider callbacks (issue 13; signed, scope "postal") ------------------------
@app.route("/integration/v1/postal/events", methods=["POST"], content_types=["application/json"])
def integration_postal_events():
    return postal_events.events(app.current_request)


# --- Queue consumers ----------------------------------------------------------------------------
# Batch size 10 (the FIFO maximum); the function's 120 s timeout x 6 = the queue's 720 s
# visibility timeout in infra/resources.json.
@app.on_sqs_message(queue="camau-zalo-inbound.fifo", batch_size=10)
def consume_inbound(event):
    return inbound.consume(event)


# Postal bookings (issue 13): batch 5 (each may wait on the provider up to ~40 s, and no record
# starts with less than 45 s left); the function's 120 s timeout x 6 = the queue's 720 s
# visibility timeout; maxReceiveCount 5 = POSTAL_MAX_RECEIVES, then the dead-letter queue.
@app.on_sqs_message(queue="camau-zalo-postal", batch_size=5)
def consume_postal(event):
    return postal.consume(event)


# --- Schedules (UTC) ----------------------------------------------------------------------------
# Every 30 minutes; the token is refreshed once it has less than TOKEN_REFRESH_MARGIN_MINUTES
# left (the token lives 25 hours), under a lease so two runs never refresh twice.
@app.schedule(Rate(30, unit=Rate.MINUTES))
def refresh_zalo_token(event):
    return schedules.refresh_zalo_token(event)


# --- HTTP: reports for agencies (issue 15; signed integration API, chalicelib/api/reports.py) --
@app.route("/integration/v1/digests/{agency}", methods=["GET"])
def integration_digest(agency):
    return reports.digest(app.current_request, agency)


@app.route("/integration/v1/ratings", methods=["GET"])
def integration_ratings():
    return reports.ratings(app.current_request)


# --- Schedules: reminders and agency digests (issue 15; chalicelib/reminders/) ----------------
# 01:00 and 07:00 UTC = 08:00 and 14:00 in Cà Mau (UTC+7, no daylight saving): citizens'
# reminders (never in the quiet hours) and each agency's digest of the day, from the sparse
# due index; a second run the same day sends nothing twice.
@app.schedule(Cron(0, "1,7", "*", "*", "?", "*"))
def send_reminders(event):
    return schedules.send_reminders(event)
