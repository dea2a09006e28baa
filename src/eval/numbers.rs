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
    let (whole, fraction) = whole_and_fraction(scaled.abs());
    let rounded = if fraction >= 0.5 || (fraction - 0.5).abs() < 1e-7 {
        whole + 1.0
    } else {
        whole
    };
    let result = rounded.copysign(scaled) / 100.0;
    if result == 0.0 {
        0.0
    } else {
        result
    }
}

/// The whole part and the fraction of a finite number that is not
/// negative, as `trunc` and `fract` give them but without their calls into
/// the maths library (the build's baseline CPU has no instruction for
/// them), which every lead's scores paid for.
pub(crate) fn whole_and_fraction(magnitude: f64) -> (f64, f64) {
    // From 2^52 on every f64 is whole; below it the conversion is exact.
    const WHOLE_FROM: f64 = 4_503_599_627_370_496.0;
    let whole = if magnitude < WHOLE_FROM {
        (magnitude as u64) as f64
    } else {
        magnitude
    };
    (whole, magnitude - whole)
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

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    /// `round2` as it was written with the maths library's `round`.
    fn round2_by_libm(x: f64) -> f64 {
        let scaled = x * 100.0;
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

    fn same(a: f64, b: f64) -> bool {
        a.to_bits() == b.to_bits() || (a.is_nan() && b.is_nan())
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(20000))]

        #[test]
        fn round2_agrees_with_the_maths_library(
            x in prop_oneof![
                any::<f64>(),
                -1e4f64..1e4,
                (-100_000i64..100_000).prop_map(|n| n as f64 / 1000.0),
                (-1000i64..1000).prop_map(|n| n as f64 / 200.0),
                Just(4_503_599_627_370_496.0 / 100.0),
                Just(f64::MAX),
                Just(-0.0),
            ]
        ) {
            prop_assert!(same(super::round2(x), round2_by_libm(x)), "{x:e}");
        }

        #[test]
        fn whole_and_fraction_agree_with_trunc_and_fract(x in prop_oneof![0.0f64..1e6, 0.0f64..f64::MAX]) {
            let (whole, fraction) = super::whole_and_fraction(x);
            prop_assert!(same(whole, x.trunc()) && same(fraction, x.fract()), "{x:e}");
        }
    }
}
