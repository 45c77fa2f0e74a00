//! TF-IDF features of records' text, as sparse rows (and their transpose for fast scoring).
//!
//! Written here rather than taken from a crate: no well-kept Rust crate builds sklearn-style
//! sparse TF-IDF with bigrams, and the rankers need both the rows and the columns of the same
//! matrix, which a general sparse-matrix crate would make us copy.

use std::collections::HashMap;

/// How text becomes features (the defaults are ASReview's `elas_u4`: sklearn's
/// `TfidfVectorizer(ngram_range=(1, 2), sublinear_tf=True, max_df=0.95)`).
#[derive(Debug, Clone, Copy)]
pub struct TfidfOptions {
    /// Also pairs of neighbouring words.
    pub bigrams: bool,
    /// 1 + ln(tf) in place of the raw count.
    pub sublinear_tf: bool,
    /// Terms in more than this share of the records are dropped.
    pub max_df: f64,
    /// Terms in fewer records than this are dropped.
    pub min_df: u32,
}

impl Default for TfidfOptions {
    fn default() -> TfidfOptions {
        TfidfOptions {
            bigrams: true,
            sublinear_tf: true,
            max_df: 0.95,
            min_df: 1,
        }
    }
}

/// The feature matrix: one L2-normalised row per record.
#[derive(Debug, Clone, Default)]
pub struct Features {
    rows: Vec<u32>,
    cols: Vec<u32>,
    vals: Vec<f32>,
    terms: usize,
    /// The same rows without the terms found in one record only (for scoring).
    shared_rows: Vec<u32>,
    shared_cols: Vec<u32>,
    shared_vals: Vec<f32>,
}

impl Features {
    /// TF-IDF rows of `texts` (one per record).
    pub fn tfidf<S: AsRef<str>>(texts: &[S], options: TfidfOptions) -> Features {
        // Each record's terms as ids in a shared vocabulary, with counts.
        let mut vocab: HashMap<String, u32> = HashMap::new();
        let mut pairs: HashMap<(u32, u32), u32> = HashMap::new();
        let mut docs: Vec<Vec<(u32, u32)>> = Vec::with_capacity(texts.len());
        let mut next = 0u32;
        for text in texts {
            let words: Vec<u32> = tokens(text.as_ref())
                .map(|w| {
                    *vocab.entry(w).or_insert_with(|| {
                        next += 1;
                        next - 1
                    })
                })
                .collect();
            let mut counts: HashMap<u32, u32> = HashMap::new();
            for &w in &words {
                *counts.entry(w).or_default() += 1;
            }
            if options.bigrams {
                for p in words.windows(2) {
                    let id = *pairs.entry((p[0], p[1])).or_insert_with(|| {
                        next += 1;
                        next - 1
                    });
                    *counts.entry(id).or_default() += 1;
                }
            }
            let mut counts: Vec<(u32, u32)> = counts.into_iter().collect();
            counts.sort_unstable();
            docs.push(counts);
        }
        let n = texts.len();
        let mut df = vec![0u32; next as usize];
        for d in &docs {
            for &(t, _) in d {
                df[t as usize] += 1;
            }
        }
        // Keep terms at or under max_df (as sklearn, a share of the records), renumbered.
        let limit = options.max_df * n as f64;
        let mut keep = vec![u32::MAX; df.len()];
        let mut idf = Vec::new();
        let mut shared = Vec::new();
        for (t, &f) in df.iter().enumerate() {
            if f >= options.min_df.max(1) && f64::from(f) <= limit {
                keep[t] = idf.len() as u32;
                shared.push(f > 1);
                // sklearn's smoothed idf.
                idf.push(((1.0 + n as f64) / (1.0 + f64::from(f))).ln() + 1.0);
            }
        }
        let mut out = Features {
            rows: Vec::with_capacity(n + 1),
            cols: Vec::new(),
            vals: Vec::new(),
            terms: idf.len(),
            shared_rows: Vec::with_capacity(n + 1),
            shared_cols: Vec::new(),
            shared_vals: Vec::new(),
        };
        out.rows.push(0);
        out.shared_rows.push(0);
        let mut row: Vec<(u32, f64)> = Vec::new();
        for d in docs {
            row.clear();
            for (t, c) in d {
                let k = keep[t as usize];
                if k == u32::MAX {
                    continue;
                }
                let tf = if options.sublinear_tf {
                    1.0 + f64::from(c).ln()
                } else {
                    f64::from(c)
                };
                row.push((k, tf * idf[k as usize]));
            }
            row.sort_unstable_by_key(|(k, _)| *k);
            let norm = row.iter().map(|(_, v)| v * v).sum::<f64>().sqrt();
            for &(k, v) in &row {
                let v = if norm > 0.0 { (v / norm) as f32 } else { 0.0 };
                out.cols.push(k);
                out.vals.push(v);
                if shared[k as usize] {
                    out.shared_cols.push(k);
                    out.shared_vals.push(v);
                }
            }
            out.rows.push(out.cols.len() as u32);
            out.shared_rows.push(out.shared_cols.len() as u32);
        }
        out
    }

    /// How many records.
    pub fn len(&self) -> usize {
        self.rows.len().saturating_sub(1)
    }

    /// Whether there are no records.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// How many distinct terms.
    pub fn terms(&self) -> usize {
        self.terms
    }

    /// Stored non-zero values.
    pub fn nnz(&self) -> usize {
        self.vals.len()
    }

    /// Record `i`'s terms and weights.
    pub fn row(&self, i: usize) -> (&[u32], &[f32]) {
        let (a, b) = (self.rows[i] as usize, self.rows[i + 1] as usize);
        (&self.cols[a..b], &self.vals[a..b])
    }

    /// The dot product of record `i` with `w`, over the terms found in more than one record
    /// (equal to [`Features::dot`] when `w` is zero on the others).
    pub fn shared_dot(&self, i: usize, w: &[f32]) -> f32 {
        let (a, b) = (
            self.shared_rows[i] as usize,
            self.shared_rows[i + 1] as usize,
        );
        self.shared_cols[a..b]
            .iter()
            .zip(&self.shared_vals[a..b])
            .map(|(&k, &x)| w[k as usize] * x)
            .sum::<f32>()
    }

    /// The dot product of record `i` with the dense `w`.
    pub fn dot(&self, i: usize, w: &[f32]) -> f32 {
        let (c, v) = self.row(i);
        c.iter()
            .zip(v)
            .map(|(&k, &x)| w[k as usize] * x)
            .sum::<f32>()
    }
}

/// Lower-cased words of two or more letters or digits (sklearn's default `\b\w\w+\b`).
fn tokens(text: &str) -> impl Iterator<Item = String> + '_ {
    text.split(|c: char| !(c.is_alphanumeric() || c == '_'))
        .filter(|w| w.chars().nth(1).is_some())
        .map(str::to_lowercase)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rows_are_unit_length_and_follow_sklearns_idf() {
        let f = Features::tfidf(
            &["the cat sat", "the dog sat", "a cat, a cat!"],
            TfidfOptions {
                bigrams: false,
                sublinear_tf: false,
                max_df: 1.0,
                min_df: 1,
            },
        );
        assert_eq!(f.len(), 3);
        // "a" has one letter and is not a word; the, cat, sat, dog remain.
        assert_eq!(f.terms(), 4);
        for i in 0..3 {
            let (_, v) = f.row(i);
            let norm: f32 = v.iter().map(|x| x * x).sum();
            assert!((norm - 1.0).abs() < 1e-6);
        }
        // Third record: only "cat" (twice), so its one weight is 1.
        assert_eq!(f.row(2).1, &[1.0]);
        // First record: the (df 2), cat (df 2), sat (df 2): equal weights.
        let (_, v) = f.row(0);
        assert!(v.iter().all(|x| (x - v[0]).abs() < 1e-6));
        // Second: dog (df 1) weighs more than the (df 2): idf ln(4/2)+1 vs ln(4/3)+1.
        let (c, v) = f.row(1);
        let dog = c.iter().position(|&k| k == 3).unwrap();
        let the = c.iter().position(|&k| k == 0).unwrap();
        let ratio = v[dog] / v[the];
        let expected = ((4.0f64 / 2.0).ln() + 1.0) / ((4.0f64 / 3.0).ln() + 1.0);
        assert!(
            (f64::from(ratio) - expected).abs() < 1e-6,
            "{ratio} {expected}"
        );
    }

    #[test]
    fn bigrams_and_max_df() {
        let f = Features::tfidf(
            &["breast cancer", "breast cancer trial"],
            TfidfOptions::default(),
        );
        // breast, cancer and "breast cancer" are in every record (over 95 %): dropped; trial and
        // "cancer trial" remain, only in the second record.
        assert_eq!(f.terms(), 2);
        assert_eq!(f.row(0).0.len(), 0);
        assert_eq!(f.row(1).0.len(), 2);
    }

    #[test]
    fn scoring_without_single_record_terms_agrees_where_their_weight_is_zero() {
        let f = Features::tfidf(
            &["aa bb cc", "aa dd", "bb ee aa"],
            TfidfOptions {
                bigrams: true,
                sublinear_tf: true,
                max_df: 1.0,
                min_df: 1,
            },
        );
        // Weights on the terms of records 0 and 1 only, as a model trained on them has.
        let mut w = vec![0.0f32; f.terms()];
        for i in [0, 1] {
            let (c, v) = f.row(i);
            for (&k, &x) in c.iter().zip(v) {
                w[k as usize] += x * (i as f32 + 1.0);
            }
        }
        assert!((f.shared_dot(2, &w) - f.dot(2, &w)).abs() < 1e-6);
        // Record 2 has terms of its own (ee, "bb ee", "ee aa") that the shared rows leave out.
        assert!(f.row(2).0.len() > 2);
    }

    #[test]
    fn sublinear_tf_damps_repeats() {
        let o = TfidfOptions {
            bigrams: false,
            sublinear_tf: true,
            max_df: 1.0,
            min_df: 1,
        };
        let f = Features::tfidf(&["aa aa aa aa bb", "cc"], o);
        let (_, v) = f.row(0);
        // aa: 1 + ln 4, bb: 1, same idf.
        let r = v[0] / v[1];
        assert!((f64::from(r) - (1.0 + 4f64.ln())).abs() < 1e-5, "{r}");
    }
}
