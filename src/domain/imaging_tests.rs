//! Unit tests of the imaging rules (`imaging.rs`).

use super::*;

#[test]
fn the_voi_window_maps_linearly_onto_grey_levels() {
    let w = Window {
        center: 40.0,
        width: 80.0,
    };
    assert_eq!(w.apply(-1000.0), 0);
    assert_eq!(w.apply(0.0), 0);
    assert_eq!(w.apply(79.5), 255);
    assert_eq!(w.apply(3000.0), 255);
    assert!((126..=129).contains(&w.apply(40.0)));
    // Monotonic across the window.
    let levels: Vec<u8> = (0..=80).map(|v| w.apply(f64::from(v))).collect();
    assert!(levels.windows(2).all(|p| p[0] <= p[1]));
}

#[test]
fn a_width_of_one_is_a_threshold() {
    let w = Window {
        center: 100.0,
        width: 1.0,
    };
    assert_eq!(w.apply(99.0), 0);
    assert_eq!(w.apply(100.0), 255);
}

#[test]
fn rescale_then_window_then_monochrome1_inverted() {
    let rescale = Rescale {
        slope: 2.0,
        intercept: -1024.0,
    };
    let window = Window {
        center: 0.0,
        width: 2.0,
    };
    // Stored 0 → -1024 (black), stored 1024 → 1024 (white).
    assert_eq!(
        grey_levels([0.0, 1024.0].into_iter(), rescale, window, false),
        vec![0, 255]
    );
    assert_eq!(
        grey_levels([0.0, 1024.0].into_iter(), rescale, window, true),
        vec![255, 0]
    );
}

#[test]
fn windows_are_chosen_in_order() {
    let asked = Window {
        center: 1.0,
        width: 2.0,
    };
    let file = Window {
        center: 3.0,
        width: 4.0,
    };
    assert_eq!(
        choose_window(Some(asked), Some(Preset::Bone), Some(file), (0.0, 9.0)),
        asked
    );
    assert_eq!(
        choose_window(None, Some(Preset::Lung), Some(file), (0.0, 9.0)),
        Preset::Lung.window().unwrap()
    );
    assert_eq!(
        choose_window(None, Some(Preset::Default), Some(file), (0.0, 9.0)),
        file
    );
    assert_eq!(
        choose_window(None, None, None, (100.0, 300.0)),
        Window {
            center: 200.0,
            width: 200.0
        }
    );
    // A flat frame still gets a usable window.
    assert_eq!(choose_window(None, None, None, (5.0, 5.0)).width, 1.0);
}

#[test]
fn every_preset_but_default_has_a_window() {
    for p in [
        Preset::Brain,
        Preset::Subdural,
        Preset::Stroke,
        Preset::Bone,
        Preset::SoftTissue,
        Preset::Lung,
    ] {
        assert!(p.window().is_some_and(|w| w.width >= 1.0), "{p:?}");
    }
    assert_eq!(Preset::Default.window(), None);
    assert_eq!(
        "soft_tissue".parse::<Preset>().ok(),
        Some(Preset::SoftTissue)
    );
    assert!("liver".parse::<Preset>().is_err());
}

#[test]
fn asked_windows_are_checked() {
    assert_eq!(Window::parse(None, None), Ok(None));
    assert_eq!(Window::parse(Some(40.0), None).unwrap_err().field, "ww");
    assert_eq!(Window::parse(None, Some(80.0)).unwrap_err().field, "wc");
    assert_eq!(
        Window::parse(Some(40.0), Some(0.5)).unwrap_err().field,
        "ww"
    );
    assert_eq!(
        Window::parse(Some(f64::NAN), Some(80.0)).unwrap_err().field,
        "wc"
    );
    assert_eq!(
        Window::parse(Some(40.0), Some(f64::INFINITY))
            .unwrap_err()
            .field,
        "ww"
    );
    assert_eq!(
        Window::parse(Some(1e9), Some(80.0)).unwrap_err().field,
        "wc"
    );
    assert_eq!(
        Window::parse(Some(-600.0), Some(1500.0)),
        Ok(Some(Window {
            center: -600.0,
            width: 1500.0
        }))
    );
}

#[test]
fn sizes_keep_the_aspect() {
    assert_eq!(parse_size(None), Ok(None));
    assert_eq!(parse_size(Some(64)), Ok(Some(64)));
    assert_eq!(parse_size(Some(2048)), Ok(Some(2048)));
    assert_eq!(parse_size(Some(63)).unwrap_err().field, "size");
    assert_eq!(parse_size(Some(4096)).unwrap_err().field, "size");
    assert_eq!(rendered_size(512, 512, None), (512, 512));
    assert_eq!(rendered_size(512, 256, Some(128)), (128, 64));
    assert_eq!(rendered_size(300, 2048, Some(1024)), (150, 1024));
    assert_eq!(rendered_size(10_000, 1, Some(64)), (64, 1));
}

fn axial(z: f64, instance: i64) -> SliceKey {
    SliceKey {
        position: Some([0.0, 0.0, z]),
        orientation: Some([1.0, 0.0, 0.0, 0.0, 1.0, 0.0]),
        instance_number: Some(instance),
        frame: 0,
    }
}

#[test]
fn slices_follow_the_normal_not_the_instance_number() {
    // Shuffled, and instance numbers that run against the position.
    let keys = [
        axial(20.0, 1),
        axial(-10.0, 4),
        axial(5.0, 2),
        axial(0.0, 3),
    ];
    assert_eq!(slice_order(&keys), vec![1, 3, 2, 0]);
}

#[test]
fn sagittal_slices_order_along_x() {
    let sagittal = |x: f64| SliceKey {
        position: Some([x, 100.0, -50.0]),
        orientation: Some([0.0, 1.0, 0.0, 0.0, 0.0, -1.0]),
        instance_number: None,
        frame: 0,
    };
    let keys = [sagittal(3.0), sagittal(-3.0), sagittal(0.0)];
    let along: Vec<f64> = keys.iter().map(|k| k.along_normal().unwrap()).collect();
    let order = slice_order(&keys);
    assert!(along[order[0]] < along[order[1]] && along[order[1]] < along[order[2]]);
    // Row (0,1,0) × column (0,0,-1) is (-1,0,0): along it, x = 3 comes first.
    assert_eq!(order, vec![0, 2, 1]);
}

#[test]
fn without_positions_instance_then_frame_order() {
    let key = |instance: Option<i64>, frame: u32| SliceKey {
        instance_number: instance,
        frame,
        ..SliceKey::default()
    };
    let keys = [
        key(Some(2), 1),
        key(None, 0),
        key(Some(2), 0),
        key(Some(1), 5),
    ];
    assert_eq!(slice_order(&keys), vec![3, 2, 0, 1]);
    // Frames with a position come first.
    let mixed = [key(Some(1), 0), axial(0.0, 9)];
    assert_eq!(slice_order(&mixed), vec![1, 0]);
}

#[test]
fn key_image_notes_are_bounded() {
    assert_eq!(key_image_note("  ").unwrap(), "");
    assert_eq!(key_image_note("New T2 lesion").unwrap(), "New T2 lesion");
    assert_eq!(key_image_note(&"x".repeat(501)).unwrap_err().field, "note");
}

#[test]
fn uids_are_digits_and_dots() {
    assert_eq!(
        uid("series_uid", "1.2.840.10008.1").unwrap(),
        "1.2.840.10008.1"
    );
    for bad in ["", ".1.2", "1.2.", "1..2", "1.2a", &"1".repeat(65)] {
        assert_eq!(
            uid("series_uid", bad).unwrap_err().field,
            "series_uid",
            "{bad}"
        );
    }
}

fn fields() -> ViewFields {
    ViewFields {
        attachment_id: "a".into(),
        series_uid: "1.2.3".into(),
        frame: 7,
        wc: None,
        ww: None,
        preset: None,
        zoom: None,
        center: None,
    }
}

#[test]
fn a_view_is_bounded_field_by_field() {
    let plain = View::parse(fields()).unwrap();
    assert_eq!((plain.frame, plain.window, plain.preset), (7, None, None));
    let full = View::parse(ViewFields {
        wc: Some(40.0),
        ww: Some(80.0),
        preset: Some("lung".into()),
        zoom: Some(2.5),
        center: Some([128.0, -3.5]),
        ..fields()
    })
    .unwrap();
    assert_eq!(
        full.window,
        Some(Window {
            center: 40.0,
            width: 80.0
        })
    );
    assert_eq!(full.preset, Some(Preset::Lung));
    assert_eq!((full.zoom, full.center), (Some(2.5), Some([128.0, -3.5])));
    for (bad, field) in [
        (
            ViewFields {
                series_uid: "1..2".into(),
                ..fields()
            },
            "series_uid",
        ),
        (
            ViewFields {
                wc: Some(40.0),
                ..fields()
            },
            "ww",
        ),
        (
            ViewFields {
                wc: Some(40.0),
                ww: Some(0.0),
                ..fields()
            },
            "ww",
        ),
        (
            ViewFields {
                preset: Some("x".repeat(10_000)),
                ..fields()
            },
            "preset",
        ),
        (
            ViewFields {
                zoom: Some(0.05),
                ..fields()
            },
            "zoom",
        ),
        (
            ViewFields {
                zoom: Some(50.5),
                ..fields()
            },
            "zoom",
        ),
        (
            ViewFields {
                zoom: Some(f64::NAN),
                ..fields()
            },
            "zoom",
        ),
        (
            ViewFields {
                center: Some([0.0, f64::INFINITY]),
                ..fields()
            },
            "center",
        ),
        (
            ViewFields {
                center: Some([2.0e6, 0.0]),
                ..fields()
            },
            "center",
        ),
    ] {
        let err = View::parse(bad).unwrap_err();
        assert_eq!(err.field, field, "{err}");
        // The refusal never echoes what was sent.
        assert!(err.message.len() < 200, "{err}");
    }
    assert!(
        View::parse(ViewFields {
            zoom: Some(0.1),
            center: Some([-1.0e6, 1.0e6]),
            ..fields()
        })
        .is_ok()
    );
}
