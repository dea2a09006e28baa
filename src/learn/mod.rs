//! Statistics of leads against outcomes, as plain functions of numbers:
//! rates, lift, ROC AUC, percentiles and cuts (`stats`), and the L2
//! logistic regression that suggests points (`regression`). `refine`
//! (backtest, tune) and `init --outcome` both use them; nothing here knows
//! a model or a record.

pub mod regression;
pub mod split;
pub mod stats;

/// A yes/no word as records write booleans and outcomes: `true false yes
/// no y n 1 0` in any letter case, trimmed; `None` for anything else.
pub fn yes_no(text: &str) -> Option<bool> {
    match text.trim().to_ascii_lowercase().as_str() {
        "true" | "yes" | "y" | "1" => Some(true),
        "false" | "no" | "n" | "0" => Some(false),
        _ => None,
    }
}

/// The JSON numbers 1 and 0 as an outcome or a boolean; `None` otherwise.
pub fn one_zero(x: f64) -> Option<bool> {
    if x == 1.0 {
        Some(true)
    } else if x == 0.0 {
        Some(false)
    } else {
        None
    }
}
