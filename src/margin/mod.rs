//! Margin: one enum of model kinds (`model`), the risk matrix, scenario grids and standard margin,
//! the pooled book with its scenario vectors, the incremental session, the hedge and the account.

pub mod account;
pub mod book;
pub mod cross;
#[cfg(feature = "analysis")]
pub mod es;
pub mod grid;
pub mod hedge;
pub mod layout;
pub mod model;
pub mod netting;
#[cfg(feature = "optimize")]
pub mod optimize;
pub mod params;
pub mod risk_matrix;
pub mod session;
pub mod standard;
