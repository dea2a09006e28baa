//! The arithmetic of a score: caps, whole units, clamps and the rounding
//! every output shares.

/// An `each` rule's sum, its size capped by `max`.
pub(super) fn capped(sum: f64, max: Option<f64>) -> f64 {
    match max {
        Some(cap) if sum.abs() > cap => cap.copysign(sum),
        _ => sum,
    }
}

/// How many whole `per` a number field's value holds: none for a negative
/// value; a quotient within 1e-7 below a whole number counts as that
/// number (`0.3 / 0.1` is 2.9999999999999996).
fn whole_units(value: f64, per: f64) -> f64 {
    if value < 0.0 || per <= 0.0 {
        return 0.0;
    }
    let quotient = value / per;
    let up = quotient.ceil();
    if up - quotient < 1e-7 {
        up
    } else {
        quotient.floor()
    }
}

/// `value` within `max` and `min`.
pub(super) fn clamp(value: f64, max: Option<f64>, min: Option<f64>) -> f64 {
    let mut v = value;
    if let Some(max) = max {
        v = v.min(max);
    }
    if let Some(min) = min {
        v = v.max(min);
    }
    v
}

/// Rounds half away from zero to two decimals, treating values within
/// floating-point noise of a half cent as exactly half (2.345 → 2.35).
pub fn round2(x: f64) -> f64 {
    let scaled = x * 100.0;
    // Past about 1.8e306 the scaling overflows; such a number has no
    // fraction to round anyway.
    if !scaled.is_finite() {
        return x;
    }
    let magnitude = scaled.abs();
    let fraction = magnitude.fract();
    let rounded = if (fraction - 0.5).abs() < 1e-7 {
        magnitude.trunc() + 1.0
    } else {
        magnitude.round()
    };
    let result = rounded.copysign(scaled) / 100.0;
    if result == 0.0 {
        0.0
    } else {
        result
    }
}

/// The points of an `each` rule over `n` counted events (a count or a
/// faded sum): none when nothing was counted.
pub(super) fn each_points(n: f64, points: f64, max: Option<f64>) -> Option<f64> {
    (n > 0.0).then(|| capped(points * n, max))
}

/// The points of `each FIELD per N` for the field's value: none when it
/// holds no whole N (a negative value included).
pub(super) fn per_unit_points(value: f64, per: f64, points: f64, max: Option<f64>) -> Option<f64> {
    let units = whole_units(value, per);
    (units > 0.0).then(|| capped(points * units, max))
}
