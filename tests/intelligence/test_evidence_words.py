"""A model's lead reads as words on the technician's phone (issue 16): no feature keys, no
mapping written out, the probability as a percentage, the features by their labels."""

from __future__ import annotations

from servitize.intelligence.evidence_words import sentences

MODEL_LEAD = {
    "family": "remote_service",
    "probability": 0.55,
    "horizon_days": 182,
    "top_features": [
        {"feature": "work_orders_12m", "label": "work orders, 12 months", "unit": "count",
         "value": 27, "weight": 1.0},
        {"feature": "downtime_12m_h", "label": "unplanned downtime, 12 months", "unit": "hours",
         "value": 300.1, "weight": 0.5},
    ],
    "model": "propensity-20261201-1",
}  # fmt: skip


def test_a_model_lead_reads_as_sentences() -> None:
    assert sentences(MODEL_LEAD) == [
        "Offering family: remote service.",
        "The model gives 55 %.",
        "Within the next 182 days.",
        "What weighs most: work orders, 12 months (27); unplanned downtime, 12 months "
        "(300.1 hours).",
        "Scored by the model propensity-20261201-1.",
    ]
    text = " ".join(sentences(MODEL_LEAD))
    assert "work_orders_12m" not in text and "Weight" not in text and "{" not in text


def test_a_machine_model_is_still_a_machine_model() -> None:
    assert sentences({"model": "PX-900", "repairs": 3}) == [
        "Model PX-900.",
        "Repaired three times.",
    ]


def test_odd_features_fall_back_to_label_and_value() -> None:
    said = sentences({"top_features": ["not a mapping"]})
    assert said == ["Top features: not a mapping."]
