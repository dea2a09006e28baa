#!/usr/bin/env python3
"""A synthetic CRM lead export, messy the way real ones are, with a known truth.

No public lead data set can be downloaded where leadscore is built, so this
script writes one that looks like an online-course business's CRM export
(a marketing-automation tool's "export all leads" CSV) and whose outcome is
drawn from a documented logistic model. `init --from ... --outcome ...` and
`tune` are measured on it against scikit-learn's LogisticRegression
(bench/compare_lr.py).

    python3 bench/crm_export.py --rows 10000 --seed 15 > export.csv

Only the standard library is used and the output is the same, byte for
byte, for the same --rows and --seed.

What is messy on purpose
- Headers are not names: spaces, capitals, `?`, a CamelCase one, and a
  last column whose header is empty and whose cells are all empty.
- The id column is `Prospect ID`; `Lead Number` is a second, useless id.
- Forms wrote `Select` where nobody chose (Specialization, City, Lead
  Profile, How did you hear about us).
- Booleans are `Yes`/`No` in some columns and `1`/`0` in others; the
  outcome `Converted` is `1`/`0`.
- Numbers are missing in some rows (TotalVisits, Page Views Per Visit,
  Asymmetrique Profile Score); some columns never vary.
- Lines end in CRLF and some cells carry stray spaces.
- Two columns leak the outcome: `Tags` is what sales wrote after the call
  (it almost decides the outcome), `Lead Quality` is filled mostly for
  leads that were worked.

The hidden truth (log-odds of converting; `sigmoid` of the sum)
    -2.5                                           intercept
    +1.2 * log1p(TotalVisits) / log(11)           (0 when missing)
    +2.4 * min(time_on_site, 2400) / 2400         (Total Time Spent on Website, seconds)
    -0.25 * (Page Views Per Visit - 2.5) / 2      (0 when missing)
    occupation: Working Professional +2.3, Businessman +0.8, Student -0.4,
                Housewife +1.0, Unemployed 0, Other -0.6, Select/blank -0.9
    lead origin: Lead Add Form +2.0, Landing Page Submission +0.2, API 0, Lead Import -0.8
    lead source: Reference +1.0, Welingak Website +1.5, Olark Chat -0.3, Google 0,
                 Direct Traffic -0.2, Organic Search 0.1, Referral Sites -0.4, Facebook -0.5,
                 anything rarer 0
    last activity: SMS Sent +1.3, Email Opened +0.3, Olark Chat Conversation -0.9,
                   Page Visited on Website -0.2, Converted to Lead -0.7,
                   Email Bounced -1.2, Had a Phone Conversation +1.6, others 0
    Do Not Email = Yes -1.1
    Specialization: Finance Management +0.3, Human Resource Management +0.3,
                    Marketing Management +0.3, Select -0.4, others 0
    Asymmetrique Activity Index: 01.High +0.4, 02.Medium 0, 03.Low -0.6, blank 0
    Email Opt In (1/0) +0.2
    Company Size (employees): +0.15 * log10(1 + employees), 0 when missing
Everything else (Country, City, the Yes/No newspaper and forum columns,
Lead Number, Created Date, A free copy...) has no effect.
"""

import argparse
import math
import random
import sys

HEADER = [
    "Prospect ID", "Lead Number", "Lead Origin", "Lead Source", "Do Not Email",
    "Do Not Call", "Converted", "TotalVisits", "Total Time Spent on Website",
    "Page Views Per Visit", "Last Activity", "Country", "Specialization",
    "How did you hear about X Education", "What is your current occupation",
    "What matters most to you in choosing a course", "Search", "Magazine",
    "Newspaper Article", "X Education Forums", "Newspaper",
    "Digital Advertisement", "Through Recommendations",
    "Receive More Updates About Our Courses", "Tags", "Lead Quality",
    "Update me on Supply Chain Content", "Lead Profile", "City",
    "Asymmetrique Activity Index", "Asymmetrique Profile Score",
    "I agree to pay the amount through cheque",
    "A free copy of Mastering The Interview", "Last Notable Activity",
    "CompanySize", "Email Opt In", "Created Date", "",
]


def pick(rng, weighted):
    total = sum(w for _, w in weighted)
    x = rng.random() * total
    for value, w in weighted:
        x -= w
        if x < 0:
            return value
    return weighted[-1][0]


ORIGINS = [("Landing Page Submission", 53), ("API", 39), ("Lead Add Form", 7), ("Lead Import", 1)]
ORIGIN_EFFECT = {"Lead Add Form": 2.0, "Landing Page Submission": 0.2, "API": 0.0, "Lead Import": -0.8}
SOURCES = [("Google", 31), ("Direct Traffic", 27), ("Olark Chat", 19), ("Organic Search", 12),
           ("Reference", 6), ("Welingak Website", 1.5), ("Referral Sites", 1.4), ("Facebook", 0.6),
           ("bing", 0.1), ("Click2call", 0.05), ("Press_Release", 0.03), ("", 0.4)]
SOURCE_EFFECT = {"Reference": 1.0, "Welingak Website": 1.5, "Olark Chat": -0.3, "Google": 0.0,
                 "Direct Traffic": -0.2, "Organic Search": 0.1, "Referral Sites": -0.4,
                 "Facebook": -0.5}
ACTIVITIES = [("Email Opened", 37), ("SMS Sent", 30), ("Olark Chat Conversation", 10.5),
              ("Page Visited on Website", 7), ("Converted to Lead", 4.6), ("Email Bounced", 3.5),
              ("Email Link Clicked", 2.9), ("Form Submitted on Website", 1.3),
              ("Unreachable", 1), ("Had a Phone Conversation", 0.3), ("", 1.1)]
ACTIVITY_EFFECT = {"SMS Sent": 1.3, "Email Opened": 0.3, "Olark Chat Conversation": -0.9,
                   "Page Visited on Website": -0.2, "Converted to Lead": -0.7,
                   "Email Bounced": -1.2, "Had a Phone Conversation": 1.6}
OCCUPATIONS = [("Unemployed", 60), ("Working Professional", 7.6), ("Student", 2.3),
               ("Other", 0.2), ("Housewife", 0.1), ("Businessman", 0.1), ("", 29.7)]
OCCUPATION_EFFECT = {"Working Professional": 2.3, "Businessman": 0.8, "Student": -0.4,
                     "Housewife": 1.0, "Unemployed": 0.0, "Other": -0.6, "": -0.9}
SPECIALIZATIONS = [("Select", 21), ("", 15.5), ("Finance Management", 10.5),
                   ("Human Resource Management", 9.2), ("Marketing Management", 9.1),
                   ("Operations Management", 5.4), ("Business Administration", 4.4),
                   ("IT Projects Management", 4), ("Supply Chain Management", 3.8),
                   ("Banking, Investment And Insurance", 3.7), ("Media and Advertising", 2.2),
                   ("Travel and Tourism", 2.2), ("International Business", 1.9),
                   ("Healthcare Management", 1.7), ("Hospitality Management", 1.2),
                   ("E-COMMERCE", 1.2), ("Retail Management", 1.1), ("Rural and Agribusiness", 0.8),
                   ("E-Business", 0.6), ("Services Excellence", 0.4)]
SPEC_EFFECT = {"Finance Management": 0.3, "Human Resource Management": 0.3,
               "Marketing Management": 0.3, "Select": -0.4}
COUNTRIES = [("India", 70), ("", 26.6), ("United States", 0.75), ("United Arab Emirates", 0.57),
             ("Singapore", 0.26), ("Saudi Arabia", 0.23), ("United Kingdom", 0.16),
             ("Australia", 0.14), ("Qatar", 0.11), ("Bahrain", 0.08), ("Hong Kong", 0.08),
             ("Oman", 0.07), ("France", 0.07), ("unknown", 0.05), ("Nigeria", 0.04),
             ("Germany", 0.04), ("Kuwait", 0.04), ("Canada", 0.04), ("South Africa", 0.04)]
HEARD = [("Select", 54.6), ("", 23.9), ("Online Search", 8.7), ("Word Of Mouth", 3.8),
         ("Student of SomeSchool", 3.4), ("Other", 2), ("Multiple Sources", 1.7),
         ("Advertisements", 0.75), ("Social Media", 0.72), ("Email", 0.28), ("SMS", 0.25)]
PROFILES = [("Select", 44.9), ("", 29.3), ("Potential Lead", 17.5), ("Other Leads", 5.3),
            ("Student of SomeSchool", 2.6), ("Lateral Student", 0.26), ("Dual Specialization Student", 0.22)]
CITIES = [("Mumbai", 34.9), ("Select", 24.3), ("", 15.4), ("Thane & Outskirts", 8.1),
          ("Other Cities", 7.4), ("Other Cities of Maharashtra", 4.9),
          ("Other Metro Cities", 4.1), ("Tier II Cities", 0.8)]
ACTIVITY_INDEX = [("02.Medium", 41.6), ("", 45.6), ("01.High", 9.2), ("03.Low", 3.6)]
INDEX_EFFECT = {"01.High": 0.4, "03.Low": -0.6}
TAGS_WON = [("Will revert after reading the email", 60), ("Closed by Horizzon", 25),
            ("Lost to EINS", 8), ("Busy", 4), ("in touch with EINS", 3)]
TAGS_LOST = [("", 40), ("Ringing", 25), ("Interested in other courses", 11),
             ("Already a student", 10), ("switched off", 5), ("Not doing further education", 3),
             ("invalid number", 2), ("Will revert after reading the email", 2),
             ("wrong number given", 1), ("Busy", 1)]


def sigmoid(x):
    return 1.0 / (1.0 + math.exp(-x))


def number(x, digits=2):
    text = f"{x:.{digits}f}".rstrip("0").rstrip(".")
    return text if text not in ("", "-0") else "0"


def row(rng, i):
    lead_id = "%08x-%04x-%04x-%04x-%012x" % (
        rng.getrandbits(32), rng.getrandbits(16), rng.getrandbits(16),
        rng.getrandbits(16), rng.getrandbits(48))
    origin = pick(rng, ORIGINS)
    source = pick(rng, SOURCES)
    if origin == "Lead Add Form" and rng.random() < 0.6:
        source = "Reference"
    do_not_email = "Yes" if rng.random() < 0.08 else "No"
    do_not_call = "Yes" if rng.random() < 0.0003 else "No"
    # Activity: zero for a share of leads, else a skewed count.
    visits = None if rng.random() < 0.015 else (0 if rng.random() < 0.24 else int(rng.expovariate(1 / 4.0)) + 1)
    if visits is None or visits == 0:
        time_on_site = 0 if rng.random() < 0.9 else int(rng.uniform(1, 120))
        page_views = None if visits is None else 0.0
    else:
        time_on_site = int(min(rng.lognormvariate(6.2, 0.9), 2300))
        page_views = round(max(1.0, rng.gauss(2.4, 1.2)), 2)
    activity = pick(rng, ACTIVITIES)
    occupation = pick(rng, OCCUPATIONS)
    spec = pick(rng, SPECIALIZATIONS)
    index = pick(rng, ACTIVITY_INDEX)
    profile_score = "" if index == "" else str(int(rng.gauss(16.3, 1.8)))
    email_opt_in = "1" if rng.random() < 0.35 else "0"
    employees = None if rng.random() < 0.3 else int(math.exp(rng.uniform(0, 9)))

    logit = -2.5
    logit += 1.2 * (math.log1p(visits) / math.log(11) if visits else 0.0)
    logit += 2.4 * min(time_on_site, 2400) / 2400
    logit += -0.25 * ((page_views - 2.5) / 2 if page_views is not None else 0.0)
    logit += OCCUPATION_EFFECT.get(occupation, 0.0)
    logit += ORIGIN_EFFECT.get(origin, 0.0)
    logit += SOURCE_EFFECT.get(source, 0.0)
    logit += ACTIVITY_EFFECT.get(activity, 0.0)
    logit += -1.1 if do_not_email == "Yes" else 0.0
    logit += SPEC_EFFECT.get(spec, 0.0)
    logit += INDEX_EFFECT.get(index, 0.0)
    logit += 0.2 if email_opt_in == "1" else 0.0
    logit += 0.15 * math.log10(1 + employees) if employees is not None else 0.0
    converted = rng.random() < sigmoid(logit)

    tags = pick(rng, TAGS_WON if converted else TAGS_LOST)
    quality_worked = rng.random() < (0.7 if converted else 0.35)
    quality = ""
    if quality_worked:
        quality = pick(rng, [("High in Relevance", 30), ("Might be", 45), ("Not Sure", 25)]
                       if converted else
                       [("Might be", 25), ("Not Sure", 35), ("Worst", 20), ("Low in Relevance", 20)])
    notable = activity if rng.random() < 0.7 else pick(rng, [("Modified", 60), ("Email Opened", 20), ("SMS Sent", 20)])
    day = 1 + (i * 7919) % 365
    created = "2025-%02d-%02d" % (1 + (day - 1) // 31 % 12, 1 + (day - 1) % 28)

    def yes(p):
        return "Yes" if rng.random() < p else "No"

    def space(text):
        # A few cells carry stray spaces, as hand-typed CRM values do.
        return f" {text} " if text and rng.random() < 0.02 else text

    return [
        lead_id, str(660000 - i * 3), origin, space(source), do_not_email, do_not_call,
        "1" if converted else "0",
        "" if visits is None else str(visits), str(time_on_site),
        "" if page_views is None else number(page_views),
        space(activity), pick(rng, COUNTRIES), spec, pick(rng, HEARD), occupation,
        "Better Career Prospects" if rng.random() < 0.7 else ("" if rng.random() < 0.99 else "Flexibility & Convenience"),
        yes(0.0015), "No", yes(0.0002), yes(0.0001), yes(0.0002), yes(0.0004), yes(0.0007),
        "No", tags, quality, "No", pick(rng, PROFILES), pick(rng, CITIES),
        index, profile_score, "No", yes(0.31), notable,
        "" if employees is None else str(employees), email_opt_in, created, "",
    ]


def csv_cell(text):
    if any(c in text for c in ',"\n\r'):
        return '"' + text.replace('"', '""') + '"'
    return text


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rows", type=int, default=10000)
    parser.add_argument("--seed", type=int, default=15)
    args = parser.parse_args()
    rng = random.Random(args.seed)
    out = sys.stdout
    out.write(",".join(csv_cell(h) for h in HEADER) + "\r\n")
    for i in range(args.rows):
        out.write(",".join(csv_cell(c) for c in row(rng, i)) + "\r\n")


if __name__ == "__main__":
    main()
