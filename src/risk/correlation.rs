//! The Cholesky factor of the market's correlations, the one check that they are usable:
//! a matrix that is not positive semi-definite is `BAD_CORRELATION` at `market.correlations`.

use crate::error::{Error, ErrorCode, Result};

/// The lower-triangular Cholesky factor of a correlation matrix; a matrix that is not positive
/// semi-definite is `BAD_CORRELATION` at `market.correlations`.
pub fn cholesky(c: &[Vec<f64>], names: &[String]) -> Result<Vec<Vec<f64>>> {
    let n = c.len();
    let mut l = vec![vec![0.0; n]; n];
    for j in 0..n {
        let d = c[j][j] - (0..j).map(|k| l[j][k] * l[j][k]).sum::<f64>();
        if d < -1e-10 {
            return Err(Error::at_path(
                ErrorCode::BadCorrelation,
                "market.correlations",
                format!(
                    "market.correlations: the correlations of {} are not positive semi-definite (no joint distribution has them)",
                    names.join(", ")
                ),
            ));
        }
        let d = d.max(0.0).sqrt();
        l[j][j] = d;
        for i in j + 1..n {
            let s = c[i][j] - (0..j).map(|k| l[i][k] * l[j][k]).sum::<f64>();
            l[i][j] = if d > 1e-12 { s / d } else { 0.0 };
        }
    }
    // a semi-definite matrix with a zero pivot: the rows below must still be reproduced
    for i in 0..n {
        for j in 0..=i {
            let back: f64 = (0..=j).map(|k| l[i][k] * l[j][k]).sum();
            if (back - c[i][j]).abs() > 1e-8 {
                return Err(Error::at_path(
                    ErrorCode::BadCorrelation,
                    "market.correlations",
                    format!("market.correlations: the correlation of {} and {} is inconsistent with the others (not positive semi-definite)", names[i], names[j]),
                ));
            }
        }
    }
    Ok(l)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cholesky_rebuilds_and_refuses_impossible_correlations() {
        let names: Vec<String> = ["A", "B", "C"].iter().map(|s| s.to_string()).collect();
        let c = vec![
            vec![1.0, 0.8, 0.6],
            vec![0.8, 1.0, 0.7],
            vec![0.6, 0.7, 1.0],
        ];
        let l = cholesky(&c, &names).unwrap();
        for i in 0..3 {
            for j in 0..3 {
                let v: f64 = (0..3).map(|k| l[i][k] * l[j][k]).sum();
                assert!((v - c[i][j]).abs() < 1e-14);
            }
        }
        // perfectly correlated: semi-definite, fine
        assert!(cholesky(&[vec![1.0, 1.0], vec![1.0, 1.0]], &names[..2]).is_ok());
        let bad = vec![
            vec![1.0, 0.9, -0.9],
            vec![0.9, 1.0, 0.9],
            vec![-0.9, 0.9, 1.0],
        ];
        assert_eq!(
            cholesky(&bad, &names).unwrap_err().code,
            ErrorCode::BadCorrelation
        );
    }
}
