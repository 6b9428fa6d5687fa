use serde_json::{Map, Value, json};

use super::*;

fn template(v: Value) -> Result<Template, ValidationError> {
    serde_json::from_value::<Template>(v).unwrap().check()
}

fn ms() -> Template {
    template(json!({
        "fields": [
            {"key": "edss", "label": "EDSS", "type": "number", "required": true, "min": 0, "max": 10, "step": 0.5},
            {"key": "course", "label": "Course", "type": "choice", "required": true, "choices": ["RR", "SP", "PP", "CIS"]},
            {"key": "therapies", "label": "Therapies", "type": "multi_choice", "choices": ["natalizumab", "ocrelizumab"]},
            {"key": "onset", "label": "Onset", "type": "date"},
            {"key": "new_lesions", "label": "New lesions", "type": "boolean", "required": true},
            {"key": "notes", "label": "Notes", "type": "text"}
        ],
        "requires_attachment": ["imaging"]
    }))
    .unwrap()
}

fn obj(v: Value) -> Map<String, Value> {
    v.as_object().unwrap().clone()
}

#[test]
fn bad_definitions_name_their_field() {
    let cases = [
        (
            json!({"fields": [{"key": "Edss", "label": "x", "type": "text"}]}),
            "fields[0].key",
        ),
        (
            json!({"fields": [{"key": "a", "label": "x", "type": "text"}, {"key": "a", "label": "y", "type": "text"}]}),
            "fields[1].key",
        ),
        (
            json!({"fields": [{"key": "a", "label": "", "type": "text"}]}),
            "fields[0].label",
        ),
        (
            json!({"fields": [{"key": "a", "label": "x", "type": "choice"}]}),
            "fields[0].choices",
        ),
        (
            json!({"fields": [{"key": "a", "label": "x", "type": "choice", "choices": []}]}),
            "fields[0].choices",
        ),
        (
            json!({"fields": [{"key": "a", "label": "x", "type": "choice", "choices": ["A", "A"]}]}),
            "fields[0].choices",
        ),
        (
            json!({"fields": [{"key": "a", "label": "x", "type": "text", "choices": ["A"]}]}),
            "fields[0].choices",
        ),
        (
            json!({"fields": [{"key": "a", "label": "x", "type": "text", "min": 1}]}),
            "fields[0].min",
        ),
        (
            json!({"fields": [{"key": "a", "label": "x", "type": "number", "min": 5, "max": 1}]}),
            "fields[0].min",
        ),
        (
            json!({"fields": [{"key": "a", "label": "x", "type": "number", "step": 0}]}),
            "fields[0].step",
        ),
        (
            json!({"fields": [{"key": "a".repeat(41), "label": "x", "type": "text"}]}),
            "fields[0].key",
        ),
    ];
    for (def, field) in cases {
        assert_eq!(template(def.clone()).unwrap_err().field, field, "{def}");
    }
    let many: Vec<Value> = (0..101)
        .map(|i| json!({"key": format!("f{i}"), "label": "x", "type": "text"}))
        .collect();
    assert_eq!(
        template(json!({ "fields": many })).unwrap_err().field,
        "fields"
    );
}

#[test]
fn every_type_takes_good_values_and_refuses_bad_ones() {
    let t = ms();
    let good = [
        ("edss", json!(3.5)),
        ("edss", json!(0)),
        ("edss", json!(10)),
        ("course", json!("SP")),
        ("therapies", json!(["natalizumab", "ocrelizumab"])),
        ("therapies", json!([])),
        ("onset", json!("2024-02-29")),
        ("new_lesions", json!(false)),
        ("notes", json!("  stable  ")),
    ];
    for (key, v) in good {
        let merged = t.merge(&Map::new(), &obj(json!({ key: v.clone() })));
        assert!(merged.is_ok(), "{key} = {v}: {merged:?}");
    }
    assert_eq!(
        t.merge(&Map::new(), &obj(json!({"notes": "  stable  "})))
            .unwrap()["notes"],
        "stable"
    );
    let bad = [
        ("edss", json!("3.5")),
        ("edss", json!(3.2)),
        ("edss", json!(10.5)),
        ("edss", json!(-0.5)),
        ("course", json!("rr")),
        ("course", json!(["RR"])),
        ("therapies", json!(["natalizumab", "natalizumab"])),
        ("therapies", json!(["aspirin"])),
        ("therapies", json!("natalizumab")),
        ("onset", json!("2023-02-29")),
        ("onset", json!("2024-2-1")),
        ("onset", json!(20240201)),
        ("new_lesions", json!("true")),
        ("new_lesions", json!(1)),
        ("notes", json!(12)),
        ("notes", json!("a\u{0007}b")),
        ("unknown", json!("x")),
    ];
    for (key, v) in bad {
        let err = t
            .merge(&Map::new(), &obj(json!({ key: v.clone() })))
            .unwrap_err();
        assert_eq!(err.field, format!("fields.{key}"), "{key} = {v}");
    }
    // null removes a value; other values stay.
    let current = obj(json!({"edss": 2, "course": "RR"}));
    let merged = t.merge(&current, &obj(json!({"edss": null}))).unwrap();
    assert_eq!(Value::Object(merged), json!({"course": "RR"}));
}

#[test]
fn the_gate_lists_everything_missing() {
    let t = ms();
    assert_eq!(
        t.missing(&Map::new(), &[]),
        vec![
            "fields.edss",
            "fields.course",
            "fields.new_lesions",
            "attachments.imaging"
        ]
    );
    let filled = obj(json!({"edss": 4, "course": "RR", "new_lesions": false, "notes": ""}));
    assert_eq!(
        t.missing(&filled, &[AttachmentKind::Note]),
        vec!["attachments.imaging"]
    );
    assert!(t.missing(&filled, &[AttachmentKind::Imaging]).is_empty());
    let blank = obj(json!({"edss": 4, "course": " ", "new_lesions": false}));
    assert_eq!(
        t.missing(&blank, &[AttachmentKind::Imaging]),
        vec!["fields.course"]
    );
}

#[test]
fn counts_per_value_of_choice_and_boolean_fields() {
    let t = ms();
    let dossiers = [
        obj(json!({"course": "RR", "new_lesions": true, "therapies": ["natalizumab"]})),
        obj(json!({"course": "RR", "new_lesions": false})),
        obj(json!({"course": "SP"})),
    ];
    let counts = t.counts(dossiers.iter());
    assert_eq!(counts["course"]["RR"], 2);
    assert_eq!(counts["course"]["SP"], 1);
    assert_eq!(counts["course"]["PP"], 0);
    assert_eq!(counts["new_lesions"]["true"], 1);
    assert_eq!(counts["new_lesions"]["false"], 1);
    assert_eq!(counts["therapies"]["natalizumab"], 1);
    assert!(!counts.contains_key("edss") && !counts.contains_key("notes"));
}
