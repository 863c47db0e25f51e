# The two commands that matter: `make run` and `make test` (README.md).
SHELL := /bin/bash
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-$(shell cat requirements.txt requirements-dev.txt | sha1sum | cut -c1-12)
STAGE ?= prod

.PHONY: run test typecheck lint format bench chat back-office officer feedback-desk schedule package deploy infra \
	after-deploy clean deploy-check replay-dead-letters chromium screenshot

$(STAMP): requirements.txt requirements-dev.txt
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet "pip>=23,<26.3"
	$(BIN)/python -m pip install --quiet -r requirements-dev.txt
	@rm -f $(VENV)/.installed-*
	@touch $@

install: $(STAMP)

run: $(STAMP)  ## start the whole system locally (moto, API, workers, schedules, stand-ins)
	$(BIN)/python -m local.run

test: $(STAMP) chromium  ## linters, the type check and the whole test suite (with the browser test)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy
	$(BIN)/python -m pytest -n 2 --timeout 300 -q

# The web form's browser test (tests/browser) drives Debian's Chromium: installed when missing
# (as root with apt-get), else one line naming the command. CHROMIUM=/path picks another binary.
chromium:
	@bash ops/ensure-chromium.sh

screenshot: $(STAMP) chromium  ## docs/webform.png: the web form on a phone, from the system of `make run`
	$(BIN)/python -m local.screenshot docs/webform.png

typecheck: $(STAMP)  ## mypy --strict on chalicelib/ and app.py (settings: pyproject.toml [tool.mypy])
	$(BIN)/mypy

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: $(STAMP)
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

bench: $(STAMP)  ## every script under bench/, one table of figures
	$(BIN)/python bench/run.py

chat: $(STAMP)  ## a terminal Zalo user talking to the system started by `make run`
	$(BIN)/python -m local.chat $(ARGS)

back-office: $(STAMP)  ## the province's one-stop system, signed, against `make run`: make back-office ARGS="list"
	$(BIN)/python -m local.back_office $(ARGS)

officer: $(STAMP)  ## an officer answering live conversations on `make run`: make officer ARGS="list"
	$(BIN)/python -m local.officer $(ARGS)

feedback-desk: $(STAMP)  ## an officer on questions, feedback and petitions on `make run`: make feedback-desk ARGS="inbox"
	$(BIN)/python -m local.feedback_desk $(ARGS)

schedule: $(STAMP)  ## fire a schedule now on the running local system: make schedule NAME=refresh_zalo_token
	$(BIN)/python -m local.fire $(NAME)

DOCUMENTS_BUCKET = $$($(BIN)/python -c "import json; print(json.load(open('.chalice/config.json'))['stages']['$(STAGE)']['environment_variables']['DOCUMENTS_BUCKET'])")
WEBFORM_ORIGIN = $$($(BIN)/python -c "import json; print(json.load(open('.chalice/config.json'))['stages']['$(STAGE)']['environment_variables']['WEBFORM_ORIGIN'])")
MONTHLY_BUDGET_USD ?= 100

package: $(STAMP)  ## the deployable SAM template in build/$(STAGE)
	rm -rf build/$(STAGE)
	$(BIN)/python -m ops.template build/merge-$(STAGE).json
	AWS_DEFAULT_REGION=$${AWS_DEFAULT_REGION:-ap-southeast-1} $(BIN)/chalice package --stage $(STAGE) \
	    --merge-template build/merge-$(STAGE).json build/$(STAGE)

deploy: package  ## package and deploy one stage with CloudFormation (docs/deployment.md)
	@test -n "$(ARTIFACTS)" || { echo "ARTIFACTS=<s3 bucket for deployment artifacts> is required"; exit 2; }
	@test -n "$(ALARM_EMAIL)" || { echo "ALARM_EMAIL=<address for alarms> is required"; exit 2; }
	aws cloudformation package --template-file build/$(STAGE)/sam.json \
	    --s3-bucket $(ARTIFACTS) --output-template-file build/$(STAGE)/packaged.yaml
	aws cloudformation deploy --template-file build/$(STAGE)/packaged.yaml \
	    --stack-name camau-zalo-$(STAGE) --capabilities CAPABILITY_IAM CAPABILITY_AUTO_EXPAND \
	    --no-fail-on-empty-changeset \
	    --parameter-overrides DocumentsBucketName=$(DOCUMENTS_BUCKET) Stage=$(STAGE) WebformOrigin=$(WEBFORM_ORIGIN) \
	        AlarmEmail=$(ALARM_EMAIL) MonthlyBudgetUsd=$(MONTHLY_BUDGET_USD)

infra: $(STAMP)  ## the resources alone as stack camau-zalo-$(STAGE)-resources, before `chalice deploy`
	@test -n "$(ALARM_EMAIL)" || { echo "ALARM_EMAIL=<address for alarms> is required"; exit 2; }
	aws cloudformation deploy --template-file infra/resources.json \
	    --stack-name camau-zalo-$(STAGE)-resources --no-fail-on-empty-changeset \
	    --parameter-overrides DocumentsBucketName=$(DOCUMENTS_BUCKET) Stage=$(STAGE) WebformOrigin=$(WEBFORM_ORIGIN) \
	        AlarmEmail=$(ALARM_EMAIL) MonthlyBudgetUsd=$(MONTHLY_BUDGET_USD)

deploy-check: $(STAMP)  ## package both stages, cfn-lint the results, run the IAM policy tests on them
	@for stage in dev prod; do \
	    $(MAKE) --no-print-directory package STAGE=$$stage || exit 1; \
	    echo "cfn-lint build/$$stage/sam.json"; \
	    $(BIN)/cfn-lint build/$$stage/sam.json || exit 1; \
	done
	DEPLOY_CHECK_DIR=build $(BIN)/python -m pytest -q -p no:cacheprovider \
	    tests/infra/test_iam_policies.py tests/infra/test_iam_calls.py tests/infra/test_template.py

replay-dead-letters: $(STAMP)  ## make replay-dead-letters QUEUE=inbound|postal [MAX=N] [DRY_RUN=1]
	@test -n "$(QUEUE)" || { echo "QUEUE=inbound|postal is required"; exit 2; }
	$(BIN)/python -m ops.replay_dead_letters --queue $(QUEUE) $(if $(MAX),--max $(MAX)) \
	    $(if $(DRY_RUN),--dry-run)

after-deploy: $(STAMP)  ## after `chalice deploy --stage $(STAGE)`: what Chalice cannot set (docs/deployment.md)
	$(BIN)/python -m ops.after_deploy --stage $(STAGE)

clean:
	rm -rf build .pytest_cache .ruff_cache
