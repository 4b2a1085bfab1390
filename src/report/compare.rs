//! One book under several models side by side (`compareModels`, `portfolio-margin compare`), and a
//! book spread across venues: each venue's positions under its venue's model, summed, against
//! the whole book as one cross-margined account.
//!
//! The positions are valued once (the session); each model only pools them and builds its
//! scenario vectors. Each model's figures are computed by the same function as a single-model
//! report's totals ([`margin_totals`]), so they are the same numbers.

use crate::error::{Error, ErrorCode, Result};
use crate::input::model::ModelInput;
use crate::input::venue::Venue;
use crate::margin::book::Book;
use crate::margin::model::Model;
use crate::margin::session::Session;
use crate::report::build::{margin_totals, worst_of};
use serde::Serialize;
use std::collections::BTreeMap;

/// At most this many models in one comparison.
pub const MAX_MODELS: usize = 16;

/// One model's figures for the book (USD).
#[cfg_attr(feature = "typescript", derive(ts_rs::TS), ts(optional_fields))]
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ModelFigures {
    /// The model's name (`okx-pm`, `deribit-pm (overridden)`, …).
    pub model: String,
    pub kind: String,
    pub initial_usd: f64,
    pub maintenance_usd: f64,
    /// The standard margin every report shows beside it (the `deribit-standard` preset, or the
    /// model itself when it is position by position).
    pub standard_initial_usd: f64,
    /// `standardInitialUsd − initialUsd`.
    pub saving_usd: f64,
    /// The scenario that costs the most, in the pool (or risk unit) that costs the most.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub worst: Option<WorstFigure>,
    pub pools: Vec<PoolFigures>,
}

#[cfg_attr(feature = "typescript", derive(ts_rs::TS))]
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct WorstFigure {
    pub pool: String,
    pub scenario: String,
    pub loss_usd: f64,
}

#[cfg_attr(feature = "typescript", derive(ts_rs::TS))]
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct PoolFigures {
    pub pool: String,
    pub currency: String,
    pub initial: f64,
    pub maintenance: f64,
    pub initial_usd: f64,
    pub maintenance_usd: f64,
}

/// One venue's part of a book across venues.
#[cfg_attr(feature = "typescript", derive(ts_rs::TS))]
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct VenueFigures {
    pub venue: Venue,
    pub model: String,
    pub positions: usize,
    pub initial_usd: f64,
    pub maintenance_usd: f64,
}

/// The whole book as one cross-margined account under one model.
#[cfg_attr(feature = "typescript", derive(ts_rs::TS))]
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct OneAccount {
    pub model: String,
    pub initial_usd: f64,
    pub maintenance_usd: f64,
    /// `venues' summed initial − this initial`: what holding everything in one account saves.
    pub saving_usd: f64,
}

/// Positions tagged by venue, each margined under its venue's model, summed; and the whole book
/// as one account. Collateral is left out of both sides so they compare like for like.
#[cfg_attr(feature = "typescript", derive(ts_rs::TS))]
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct VenueBook {
    pub venues: Vec<VenueFigures>,
    pub initial_usd: f64,
    pub maintenance_usd: f64,
    pub one_account: Vec<OneAccount>,
}

#[cfg_attr(feature = "typescript", derive(ts_rs::TS), ts(optional_fields))]
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Comparison {
    pub models: Vec<ModelFigures>,
    /// The model with the lowest initial margin.
    pub cheapest: String,
    /// Present when some position names its venue.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub venues: Option<VenueBook>,
    pub warnings: Vec<crate::error::Warning>,
}

/// The presets a comparison runs when none are named: every preset this build can compute.
pub fn default_models() -> Vec<ModelInput> {
    crate::margin::model::PRESETS
        .iter()
        .filter(|(name, _)| cfg!(feature = "analysis") || *name != "es-margin")
        .map(|(name, _)| ModelInput::Name(name.to_string()))
        .collect()
}

/// A book's figures under one model.
fn figures(book: &Book, model: &Model, session: &Session) -> ModelFigures {
    let collateral = session.collateral_with_holdings();
    let (total, _) = margin_totals(book, model, &session.market, &collateral);
    let worst = book
        .pools
        .iter()
        .filter_map(|p| worst_of(p).map(|(label, loss)| (p, label, loss * p.to_usd())))
        .fold(
            None::<WorstFigure>,
            |best, (p, scenario, loss_usd)| match best {
                Some(b) if b.loss_usd >= loss_usd => Some(b),
                _ => Some(WorstFigure {
                    pool: p.pool.clone(),
                    scenario,
                    loss_usd,
                }),
            },
        );
    ModelFigures {
        model: model.name.clone(),
        kind: model
            .params_json
            .get("kind")
            .and_then(serde_json::Value::as_str)
            .unwrap_or("")
            .to_string(),
        initial_usd: total.initial,
        maintenance_usd: total.maintenance,
        standard_initial_usd: total.standard_initial,
        saving_usd: total.saving,
        worst,
        pools: book
            .pools
            .iter()
            .map(|p| {
                let m = p.margin();
                PoolFigures {
                    pool: p.pool.clone(),
                    currency: p.currency.clone(),
                    initial: m.initial,
                    maintenance: m.maintenance,
                    initial_usd: m.initial * p.to_usd(),
                    maintenance_usd: m.maintenance * p.to_usd(),
                }
            })
            .collect(),
    }
}

/// A model's pools of `positions` (valued once, by the session).
fn book_under(
    positions: Vec<crate::pricing::valuation::ValuedPosition>,
    model: &Model,
    session: &Session,
) -> Result<Book> {
    #[cfg(feature = "analysis")]
    if let crate::margin::model::ModelKind::Es(params) = &model.kind {
        params.check(&positions, &session.market)?;
    }
    Ok(Book::build(positions, model, &session.market))
}

/// Compare the session's book under `models` (each a preset name, a preset with overrides or a
/// full model); `venue_models` overrides the model of a venue in the book across venues.
pub fn compare(
    mut session: Session,
    models: &[ModelInput],
    venue_models: &BTreeMap<Venue, ModelInput>,
) -> Result<Comparison> {
    if models.is_empty() || models.len() > MAX_MODELS {
        return Err(Error::at_path(
            ErrorCode::LimitExceeded,
            "models",
            format!("compare 1 to {MAX_MODELS} models"),
        ));
    }
    let mut out = Vec::with_capacity(models.len());
    // the valued positions pass from one model's book to the next (never copied)
    let mut positions = std::mem::take(&mut session.book.positions);
    for (i, input) in models.iter().enumerate() {
        let here = format!("models[{i}]");
        let model = Model::resolve(Some(input)).map_err(|e| e.rebased("model", &here))?;
        let book =
            book_under(positions, &model, &session).map_err(|e| e.rebased("model", &here))?;
        out.push(figures(&book, &model, &session));
        positions = book.positions;
    }
    session.book.positions = positions;
    let venues = venue_book(&session, venue_models)?;
    let cheapest = out
        .iter()
        .fold(None::<&ModelFigures>, |best, m| match best {
            Some(b) if b.initial_usd <= m.initial_usd => Some(b),
            _ => Some(m),
        })
        .map(|m| m.model.clone())
        .unwrap_or_default();
    Ok(Comparison {
        models: out,
        cheapest,
        venues,
        warnings: session.warnings,
    })
}

/// The book across venues, when any position names its venue (untagged positions are Deribit's).
fn venue_book(
    session: &Session,
    venue_models: &BTreeMap<Venue, ModelInput>,
) -> Result<Option<VenueBook>> {
    let positions = &session.book.positions;
    if positions.iter().all(|p| p.input.venue.is_none()) {
        return Ok(None);
    }
    let no_collateral = BTreeMap::new();
    let mut by_venue: BTreeMap<Venue, Vec<crate::pricing::valuation::ValuedPosition>> =
        BTreeMap::new();
    for p in positions {
        let v = p.input.venue.unwrap_or(Venue::Deribit);
        by_venue.entry(v).or_default().push(p.clone());
    }
    let mut venues = Vec::new();
    let (mut initial, mut maintenance) = (0.0, 0.0);
    for (venue, members) in by_venue {
        let input = venue_models
            .get(&venue)
            .cloned()
            .unwrap_or_else(|| ModelInput::Name(venue.default_model().to_string()));
        let here = format!("venueModels.{}", venue.name());
        let model = Model::resolve(Some(&input)).map_err(|e| e.rebased("model", &here))?;
        let n = members.len();
        let book = book_under(members, &model, session).map_err(|e| e.rebased("model", &here))?;
        let (total, _) = margin_totals(&book, &model, &session.market, &no_collateral);
        initial += total.initial;
        maintenance += total.maintenance;
        venues.push(VenueFigures {
            venue,
            model: model.name.clone(),
            positions: n,
            initial_usd: total.initial,
            maintenance_usd: total.maintenance,
        });
    }
    let mut one_account = Vec::new();
    let cross = serde_json::json!({ "mode": "cross" });
    let mut accounts = vec![ModelInput::Preset {
        preset: "deribit-pm".into(),
        overrides: Some(cross),
    }];
    if cfg!(feature = "analysis") {
        accounts.push(ModelInput::Name("es-margin".into()));
    }
    for input in accounts {
        let model = Model::resolve(Some(&input))?;
        let book = book_under(positions.clone(), &model, session)?;
        let (total, _) = margin_totals(&book, &model, &session.market, &no_collateral);
        one_account.push(OneAccount {
            model: if model.cross().is_some() {
                "deribit-pm cross".into()
            } else {
                model.name.clone()
            },
            initial_usd: total.initial,
            maintenance_usd: total.maintenance,
            saving_usd: initial - total.initial,
        });
    }
    Ok(Some(VenueBook {
        venues,
        initial_usd: initial,
        maintenance_usd: maintenance,
        one_account,
    }))
}
