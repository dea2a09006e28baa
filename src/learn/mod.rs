//! Statistics of leads against outcomes, as plain functions of numbers:
//! rates, lift, ROC AUC, percentiles and cuts (`stats`), and the L2
//! logistic regression that suggests points (`regression`). `refine`
//! (backtest, tune) and `init --outcome` both use them; nothing here knows
//! a model or a record.

pub mod regression;
pub mod split;
pub mod stats;
