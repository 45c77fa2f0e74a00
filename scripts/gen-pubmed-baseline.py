#!/usr/bin/env python3
"""Writes a large PubMed baseline-style XML file for benchmarks, modelled on the real fixture
records: the PubmedArticle elements of ../shared/fixtures/pubmed are used as templates (their
sizes, markup, structured abstracts, MeSH lists and reference lists with other articles' ids),
with fresh PMIDs so every record is distinct. Nothing generated is committed.

usage: gen-pubmed-baseline.py OUT.xml[.gz] N_RECORDS [FIXTURES_DIR]
"""
import gzip, os, re, sys

out, n = sys.argv[1], int(sys.argv[2])
fixtures = sys.argv[3] if len(sys.argv) > 3 else os.path.join(os.path.dirname(__file__), "../../shared/fixtures/pubmed")
templates = []
for name in sorted(os.listdir(fixtures)):
    if name.endswith(".xml"):
        text = open(os.path.join(fixtures, name), encoding="utf-8").read()
        templates += re.findall(r"<PubmedArticle>.*?</PubmedArticle>", text, re.S)
if not templates:
    sys.exit("no PubmedArticle templates found in " + fixtures)
own_pmid = re.compile(r'(<MedlineCitation[^>]*>\s*<PMID Version="\d+">)(\d+)(</PMID>)')
own_id = re.compile(r'(<PubmedData>.*?<ArticleIdList>\s*<ArticleId IdType="pubmed">)(\d+)(</ArticleId>)', re.S)
opener = gzip.open if out.endswith(".gz") else open
with opener(out, "wt", encoding="utf-8") as f:
    f.write('<?xml version="1.0" encoding="utf-8"?>\n<!DOCTYPE PubmedArticleSet PUBLIC "-//NLM//DTD PubMedArticle, 1st January 2025//EN" "https://dtd.nlm.nih.gov/ncbi/pubmed/out/pubmed_250101.dtd">\n<PubmedArticleSet>')
    for i in range(n):
        pmid = str(int(os.environ.get("PMID_START", "90000000")) + i)
        t = templates[i % len(templates)]
        t = own_pmid.sub(lambda m: m.group(1) + pmid + m.group(3), t, count=1)
        t = own_id.sub(lambda m: m.group(1) + pmid + m.group(3), t, count=1)
        f.write(t)
    f.write("<DeleteCitation><PMID Version=\"1\">90000000</PMID></DeleteCitation></PubmedArticleSet>\n")
print(f"wrote {n} records ({len(templates)} templates) to {out}")
