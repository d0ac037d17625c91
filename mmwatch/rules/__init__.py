"""The rule engine: audit rules as Great Expectations suites (``expectations/``) over SQL (``sql/rules/``).

A rule id leads to one SQL file, ``sql/rules/<RULE-ID>.sql``, and one expectation, whose ``column``
is the rule id. The SQL file yields per session the observed value, an ``evaluated`` flag, a
one-line summary and the evidence rows; the expectation holds the threshold, the severity and the
remediation hint. GX (imported lazily: ~5 s) judges the observed values; a rule whose evidence is
absent is ``passed: null`` whatever GX says, because GX ignores nulls in column expectations.
"""

from mmwatch.rules.catalogue import RuleConfigError, RuleSpec, Suite, load_catalogue
from mmwatch.rules.engine import evaluate_session, exit_code_for

__all__ = ["RuleConfigError", "RuleSpec", "Suite", "evaluate_session", "exit_code_for", "load_catalogue"]
