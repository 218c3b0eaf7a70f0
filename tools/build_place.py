#!/usr/bin/env python3
"""Builds data/croydon.place.toml from the reference data kept in the repository.

    python3 tools/build_place.py data/reference/croydon-reference.toml > data/croydon.place.toml

data/reference/croydon-reference.toml holds the public figures with unit, year, source and
confidence, as compiled for the project (2026-11-23).

Every figure the model uses is written with its value, unit, year, source key and confidence.
Figures copied from the reference keep the reference's source; derived figures say how they
were derived (source PLACESIM_DERIVED, with the inputs named in the note); modelling
assumptions are marked PLACESIM_ESTIMATE with a note. Nothing here is fitted: calibration
factors live in the scenario files.
"""
import json
import sys
import tomllib

REF = tomllib.load(open(sys.argv[1] if len(sys.argv) > 1 else "data/reference/croydon-reference.toml", "rb"))
SOURCES = dict(REF["sources"])
SOURCES["PLACESIM_ESTIMATE"] = "placesim modelling assumption (see the figure's note); to be replaced or sensitivity-tested"
SOURCES["PLACESIM_DERIVED"] = "placesim derivation from other figures in this file (inputs and arithmetic in the figure's note)"
SOURCES["COCHRANE_AAHAH_2016"] = ("Shepperd S, Iliffe S, Doll HA, et al. Admission avoidance hospital at home. Cochrane Database of Systematic "
                                 "Reviews 2016, Issue 9, CD007491: mortality at six months RR 0.77 (95% CI 0.60 to 0.99)")
SOURCES["COCHRANE_EDHAH_2017"] = ("Goncalves-Bradley DC, Iliffe S, Doll HA, et al. Early discharge hospital at home. Cochrane Database of "
                                 "Systematic Reviews 2017, Issue 6, CD000313: mortality at three to six months (mixed conditions) "
                                 "RR 1.07 (95% CI 0.76 to 1.49)")
SOURCES["NHSD_AE_2021"] = ("NHS Digital, Hospital Accident & Emergency Activity 2019-20 (summary: 25 million attendances, +1% on 2018-19, "
                           "average growth 2% a year since 2010-11 against population growth of 1%), 2020-21 (attendances fell from 25.0m "
                           "to 17.4m, -30.3%) and 2021-22 (24 million, -3% on 2019-20)")
SOURCES["HF_LOS_2023"] = ("The Health Foundation, 'Longer hospital stays and fewer admissions' (2023): in 2022 emergency admissions were 9% "
                          "fewer than in 2019 and their mean length of stay rose from 7.9 to 9.1 days (+15%)")
SOURCES["NUFFIELD_DTOC_2019"] = ("Nuffield Trust QualityWatch indicator 'Delayed transfers of care' (updated 15/01/2019 and 29/10/2019): "
                                 "England's average number of patients delayed per day about 3,800 in 2010-13, a peak of 6,660 in "
                                 "February 2017, 4,491 in June 2018, 4,155 in December 2018 and 4,802 in August 2019; about 2,200 beds "
                                 "freed between February 2017 and July 2018")
SOURCES["HF_DELAYS_2024"] = ("The Health Foundation, 'What do the data on hospital discharge delays really tell us?' (Coughlan, MacNish "
                             "Porter, Cavallaro, 13 March 2024): in December 2023 almost 13,000 patients in England were in hospital "
                             "awaiting discharge despite being medically fit, 8,000 more than in December 2020 (SitRep 'no longer meeting "
                             "the criteria to reside', collected since October 2020; not comparable in definition with the delayed "
                             "transfers of care collected to February 2020)")
SOURCES["NCTR_JULY_2024"] = ("NHS England figures for July 2024 as reported with the Autumna survey of 568 care providers (August 2024): "
                             "an average of 12,326 patients a day medically fit and ready to be discharged but not discharged; 17% of "
                             "providers said a discharge into their care took one to two weeks on average, 7% three weeks or more")
SOURCES["KF_NAIC_2016"] = ("The King's Fund, 'Why is it more difficult than ever for older people to leave hospital?' (blog, 26 May 2016), "
                           "on the NAO's 'Discharging older patients from hospital' (HC 18, 2016) and citing the NHS Benchmarking "
                           "Network's National Audit of Intermediate Care: average waits of 8 days for home-care rehabilitation and 6 "
                           "days for reablement; waits for home-care packages the main driver of the rise in delays 2013-15")
SOURCES["JASINARACHCHI_2009"] = ("Jasinarachchi KH, Ibrahim IR, Keegan BC, et al. Delayed transfer of care from NHS secondary care to primary "
                                 "care in England. BMC Geriatrics 2009;9:4 (doi 10.1186/1471-2318-9-4): of 158 patients 65+ on two care of "
                                 "the elderly wards, 58 (36.7%) were delayed, 27.6% of them awaiting domiciliary care and 29.3% therapist "
                                 "assessment; 682 extra bed days (about 12 per delayed patient)")
SOURCES["ONS_EXCESS_DEATHS"] = ("ONS, 'Excess deaths in England and Wales: March 2020 to December 2021' (2022): 133,623 deaths registered "
                                "above the 2015-2019 average, the most in April 2020 (43,796) and January 2021 (16,548); 'March 2020 to "
                                "June 2022' (2022): 137,447; 'March 2020 to December 2022' (2023): 167,356 (for 2022 against the average of "
                                "2016-2019 and 2021); and, for calendar 2020, about 604,000 deaths in the 52 weeks to late December, about "
                                "73,000 (14%) above the five-year average, the year having begun below it (ONS's Nick Stripe, reported by "
                                "Reuters, 6 January 2021)")
SOURCES["UKHCA_MIN_PRICE_2019"] = ("United Kingdom Homecare Association, 'A Minimum Price for Homecare', version 6.0 (January 2019): "
                                   "GBP 18.93 an hour from April 2019 at the national minimum wage; GBP 20.75 at the UK Living Wage "
                                   "and GBP 23.97 at the London Living Wage (as reported by Care Management Matters, 23 January 2019)")
SOURCES["CARE_HOME_FEES_2019"] = ("Care-home fees for people 65+, 2018/19: Devon County Council's answer to an information request "
                                  "(average weekly fee paid to independent care homes, 2018/19: residential GBP 595, nursing GBP 664, "
                                  "gross of user charges and net of NHS-funded nursing care); LaingBuisson, Care Homes for Older People "
                                  "UK Market Report (as reported by Which?, January 2020: UK average 2018-19 GBP 651 a week residential, "
                                  "GBP 893 nursing, self-funders included); Which? (October 2015): Croydon's standard weekly rate for "
                                  "residential care GBP 417, Bromley's GBP 555")
SOURCES["ONS_MYE3_COMPONENTS"] = ("ONS mid-year population estimates, components of change (sheet MYE3), Croydon E09000008, mid-2015 "
                                  "to mid-2020 (files ukmidyearestimates2016.xls, ukmidyearestimates2017finalversion.xls, "
                                  "ukmidyearestimates20182019ladcodes.xls, ukmidyearestimates20192020ladcodes.xls, "
                                  "ukpopestimatesmid2020on2021geography.xls; copies in GitHub repo "
                                  "ericyang-almaeconomics/social_care_datahub, Data/2016/ to Data/2020/): births 5,913, 5,830, 5,582, "
                                  "5,330, 5,433; deaths 2,433, 2,504, 2,564, 2,484, 3,097; internal inflow 20,656, 23,076, 22,897, "
                                  "24,761, 22,865; internal outflow 23,458, 26,490, 27,263, 27,542, 24,314; international inflow "
                                  "4,762, 4,008, 3,790, 3,581, 3,357; international outflow 2,155, 2,385, 1,936, 2,295, 2,448")
SOURCES["ONS_INTERNAL_MIGRATION_BY_AGE"] = ("ONS, 'Internal migration: detailed estimates by origin and destination local "
                                            "authorities, age and sex' (years to mid-2002 to mid-2015), summed for Croydon "
                                            "E09000008 by age band (under 18, 18-25, 26-35, 36-55, over 55) in GitHub repo "
                                            "DrPav/internal-migration (flow-by-LA-year-age.rds, commit 3e7f74db); its totals "
                                            "match ONS's components of change (MYEB3) within 10 a year (2015: 20,355 in, 22,960 "
                                            "out); residents by age from ONS mid-2015 estimates (MYE2, 379,031)")
SOURCES["ONS_WEEKLY_DEATHS_LONDON"] = ("ONS, 'Deaths registered weekly in England and Wales, provisional' (2020 and 2021), London "
                                       "region E12000007, weeks ending 3 January 2020 to 16 April 2021, as compiled in GitHub "
                                       "repo Logiqx/covid-stats (data/ons-deaths/csv/weekly/region/london.csv, commit 001eceb8) "
                                       "with the 2015-2019 weeks for the expected deaths (the average of the same week, ONS's "
                                       "method); cross-checked with Public Health England, 'Excess mortality in London, 20 March "
                                       "2020 to 31 July 2020' (week ending 17 April 2020: 3.35 times expected) and the Financial "
                                       "Times' coronavirus-excess-mortality-data (London, weeks 14-18 of 2020)")
SOURCES["SHAH_2013"] = ("Shah SM, Carey IM, Harris T, DeWilde S, Cook DG. Mortality in older care home residents in England and "
                        "Wales. Age and Ageing 2013;42(2):209-215 (doi 10.1093/ageing/afs174): THIN primary-care cohort, 2009, "
                        "9,772 care-home and 354,306 community residents 65+; 2,558 (26.2%) care-home and 3.3% community "
                        "residents died within a year; age-sex standardised mortality ratio 419 for nursing and 284 for "
                        "residential homes")
SOURCES["NAO_EMERGENCY_ADMISSIONS_2018"] = ("National Audit Office, 'Reducing emergency admissions', HC 833, 2 March 2018: "
                                           "5.8 million emergency admissions in 2016-17; 79% of the growth in emergency "
                                           "admissions from 2013-14 to 2016-17 was of patients who did not stay overnight, "
                                           "zero-day admissions rising 27%")
SOURCES["BRIEF"] = "placesim developers' brief / MODEL.md seed figure (One Croydon Alliance reports as summarised there)"
TEXT_TO_KEY = {v: k for k, v in REF["sources"].items()}

LOCALITY_ORDER = ["east_croydon", "purley", "new_addington_and_selsdon", "mayday", "thornton_heath", "woodside_and_shirley"]
N_PRACTICES = 50  # ~57 when huddles began, ~50 after mergers (population.croydon_gp_practices_with_huddles)

out = []


def tv(v):
    """TOML literal for a value."""
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, (int, float)):
        return repr(float(v)) if isinstance(v, float) else str(v)
    if isinstance(v, str):
        return json.dumps(v, ensure_ascii=False)
    if isinstance(v, list):
        return "[" + ", ".join(tv(x) for x in v) + "]"
    raise TypeError(v)


def ref(path):
    node = REF
    for p in path.split("."):
        node = node[p]
    return node


def figure(name, value, unit, year, source, confidence, note=None, labels=None, range=None):
    assert source in SOURCES, source
    lines = [f"[{name}]", f"value = {tv(value)}", f"unit = {tv(unit)}", f"year = {tv(year)}",
             f"source = {tv(source)}", f"confidence = {tv(confidence)}"]
    if range is not None:
        assert range[0] <= value <= range[1], name
        lines.append(f"range = {tv([float(x) for x in range])}")
    if note:
        lines.append(f"note = {tv(note)}")
    if labels:
        assert not isinstance(value, list) or len(labels) == len(value), name
        lines.append(f"labels = {tv(labels)}")
    out.append("\n".join(lines) + "\n")


def from_ref(name, path, value=None, note=None, labels=None, unit=None, range=None):
    r = ref(path)
    src = source_key(r["source"], path)
    v = r["value"] if value is None else value
    n = note if note is not None else r.get("note")
    if note is not None and r.get("note"):
        n = f"{note}; reference note: {r['note']}"
    lab = labels if labels is not None else r.get("labels")
    if isinstance(v, list) and lab is not None and len(lab) != len(v):
        lab = None
    figure(name, v, unit or r["unit"], r["year"], src, r["confidence"], n, lab, range)


def source_key(text, path):
    """The [sources] key for a reference source text; texts that are not in the reference's
    own [sources] table (composite or free-text sources) get a key made from the text."""
    if text in TEXT_TO_KEY:
        return TEXT_TO_KEY[text]
    # Named after the text itself (not the first figure citing it), so figures that share a
    # free-text source such as "estimate" share a key that says what it is.
    slug = "".join(c if c.isalnum() else "_" for c in text.upper())
    slug = "_".join(part for part in slug.split("_") if part)[:48].rstrip("_")
    key, n = "REF_" + slug, 2
    while key in SOURCES:
        key, n = f"REF_{slug}_{n}", n + 1
    SOURCES[key] = text
    TEXT_TO_KEY[text] = key
    return key


def estimate(name, value, unit, note, labels=None, year="2016-2027", range=None):
    figure(name, value, unit, year, "PLACESIM_ESTIMATE", "estimate", note, labels, range)


def derived(name, value, unit, note, year, labels=None):
    figure(name, value, unit, year, "PLACESIM_DERIVED", "estimate", note, labels)


# ---------------------------------------------------------------- meta and sources
out.append('# Croydon place file for placesim. GENERATED by tools/build_place.py from the shared\n'
           '# reference data (croydon-reference.toml); edit the generator, not this file.\n')
out.append("[meta]\n" + "\n".join([
    'name = "Croydon"', 'code = "E09000008"', 'population_date = "2019-06-30"', 'price_base = "2018/19"',
    'generated_by = "tools/build_place.py from shared/data/croydon-reference.toml (compiled 2026-11-23)"']) + "\n")

# ---------------------------------------------------------------- population
males = ref("population.croydon_males_single_year.value")
females = ref("population.croydon_females_single_year.value")
out.append("[population]\nmigration_age_band_lower = " + tv([0, 18, 26, 36, 56, 65, 75, 85]) +
           "\nolder_migration_from_age = 56\n")
from_ref("population.males_single_year", "population.croydon_males_single_year")
from_ref("population.females_single_year", "population.croydon_females_single_year")
hist = ref("population.croydon_persons_single_year_history")
from_ref("population.history_persons_single_year", "population.croydon_persons_single_year_history",
         labels=[f"mid-{y}" for y in hist["years"]],
         note="residents by single year of age (0..89, then 90+) at each earlier mid-year: the age structure of a "
              "run that starts before mid-2019 (interpolated between mid-years)")
figure("population.history_years", [float(y) for y in hist["years"]], "mid-year of each history row",
       hist["year"], source_key(hist["source"], "population.croydon_persons_single_year_history"), "exact")
c2021, mye = ref("population.croydon_census2021_total.value"), ref("population.croydon_total.value")
years = (2021 + 80 / 365.25) - (2019 + 181 / 365.25)  # 2019-06-30 -> 2021-03-21
growth = round((c2021 / mye) ** (1 / years) - 1, 4)
derived("population.annual_growth", growth, "per year",
        f"ONS MYE mid-2019 {mye:,.0f} to Census 2021 {c2021:,.0f} over {years:.2f} years; the GLA projection "
        "(444,573 by 2031) implies ~1.1%/yr: sensitivity range 0.5-1.1%", "2019-2021")
women_15_44 = sum(females[15:45])
derived("population.birth_rate_per_woman_15_44", round((males[0] + females[0]) / women_15_44, 5), "births per woman aged 15-44 per year",
        f"residents aged 0 at mid-2019 ({males[0] + females[0]:,.0f}) / women aged 15-44 ({women_15_44:,.0f}); "
        "infant deaths and migration under age 1 ignored", "mid-2019")
MIG_BANDS = [0, 18, 26, 36, 56, 65, 75, 85]
MIG_LABELS = ["0-17", "18-25", "26-35", "36-55", "56-64", "65-74", "75-84", "85+"]
# ONS_INTERNAL_MIGRATION_BY_AGE: Croydon's internal migrants a year by age band (0-17, 18-25, 26-35,
# 36-55, 56+), means of the years to mid-2013, mid-2014 and mid-2015, and residents at mid-2015.
MIG_OUT = [4499, 4289, 5634, 5053, 2235]
MIG_IN = [3863, 3889, 5987, 4643, 1463]
MIG_POP_2015 = [93194, 35181, 57898, 109114, 83644]
OLDER_SHAPE = [1.4, 1.0, 0.8, 1.0]  # estimate: relative moves at 56-64, 65-74, 75-84, 85+
persons = [m + f for m, f in zip(males, females)]
band_pop = [sum(persons[lo:hi]) for lo, hi in zip(MIG_BANDS, MIG_BANDS[1:] + [len(persons)])]
all_age_out = sum(MIG_OUT) / sum(MIG_POP_2015)
mig_rel = [o / n / all_age_out for o, n in zip(MIG_OUT, MIG_POP_2015)]
older_pop = band_pop[4:]
older_k = mig_rel[4] * sum(older_pop) / sum(n * r for n, r in zip(older_pop, OLDER_SHAPE))
out_mult = [round(x, 2) for x in mig_rel[:4] + [older_k * r for r in OLDER_SHAPE]]
in_share = [x / sum(MIG_IN) for x in MIG_IN[:4]]
older_w = [n * r for n, r in zip(older_pop, OLDER_SHAPE)]
in_share += [MIG_IN[4] / sum(MIG_IN) * w / sum(older_w) for w in older_w]
in_share = [round(x, 4) for x in in_share]
in_share[2] = round(in_share[2] + 1.0 - sum(in_share), 4)  # rounded shares sum to 1
mean_mult = sum(n * x for n, x in zip(band_pop, out_mult)) / sum(band_pop)
figure("population.out_migration_rate", round(28057 / sum(persons) / mean_mult, 3),
       "probability per resident per year (× the age multiplier)", "2015-2020", "ONS_MYE3_COMPONENTS", "approximate",
       "derived: Croydon's gross out-migration (internal + international outflow) averaged 28,057 a year from mid-2015 to "
       f"mid-2020 (25,613; 28,875; 29,199; 29,837; 26,762); divided by the mid-2019 residents ({sum(persons):,.0f}) and by "
       f"{mean_mult:.3f}, the mean of the age multiplier (out_migration_age_multiplier) over the mid-2019 age structure, so "
       "that the model's outflow matches ONS's when model.older_migration_scale is 1. Range: the lowest and highest year "
       "(0.068 to 0.079). In-migration fills the growth path",
       range=[0.068, 0.079])
figure("population.out_migration_age_multiplier", out_mult,
       "multiplier of out_migration_rate by age band", "2013-2015", "ONS_INTERNAL_MIGRATION_BY_AGE", "approximate",
       "derived: Croydon's internal out-migration per resident by age band, mean of the years to mid-2013, mid-2014 and "
       f"mid-2015 ({', '.join(f'{x:,}' for x in MIG_OUT)} a year at 0-17, 18-25, 26-35, 36-55 and 56+; residents at "
       f"mid-2015 {', '.join(f'{x:,}' for x in MIG_POP_2015)}), relative to the all-age rate "
       f"({1000 * all_age_out:.1f} per 1,000): {', '.join(f'{x:.2f}' for x in mig_rel)} for 56+. The split of 56+ into "
       "56-64, 65-74, 75-84 and 85+ (relative 1.4 : 1 : 0.8 : 1, scaled so that their mean over the mid-2019 structure is "
       f"{mig_rel[4]:.2f}) is an estimate, and its level is fitted (model.older_migration_scale) to the ONS counts of "
       "residents 65+ and 85+. International emigration is assumed to follow the same shape and both sexes the same rates "
       "(no Croydon figures by age or sex found): estimates",
       MIG_LABELS)
figure("population.in_migrant_age_share", in_share,
       "share of in-migrants by age band", "2013-2015", "ONS_INTERNAL_MIGRATION_BY_AGE", "approximate",
       "derived: Croydon's internal in-migrants by age band, mean of the years to mid-2013, mid-2014 and mid-2015 "
       f"({', '.join(f'{x:,}' for x in MIG_IN)} a year at 0-17, 18-25, 26-35, 36-55 and 56+, of {sum(MIG_IN):,}). The "
       "split of 56+ (in proportion to the mid-2019 residents of each band times 1.4 : 1 : 0.8 : 1) is an estimate, and so "
       "is the assumption that international immigrants (about 3,900 a year) share the internal migrants' ages. Within a "
       "band, ages follow the locality's mid-2019 structure", MIG_LABELS)
derived("population.male_birth_share", round(males[0] / (males[0] + females[0]), 4), "fraction",
        "males / persons aged 0 at mid-2019", "mid-2019")

# ---------------------------------------------------------------- localities, LSOAs, practices
lsoa = REF["lsoa"]
names_by_key = {k: REF["localities"][k]["name"]["value"] for k in LOCALITY_ORDER}
key_by_name = {v: k for k, v in names_by_key.items()}
for k in LOCALITY_ORDER:
    loc = REF["localities"][k]
    out.append(f'[[localities]]\nkey = "{k}"\nname = {tv(names_by_key[k])}\n')
    r = loc["persons_single_year"]
    figure("localities.persons_single_year", r["value"], r["unit"], r["year"], source_key(r["source"], f"localities.{k}.persons_single_year"),
           r["confidence"], r.get("note"))

# practices: split each locality's LSOAs (ordered by ward, then code: neighbours stay together)
# into consecutive groups of roughly equal population; count per locality by largest remainder.
pops = {k: REF["localities"][k]["population"]["value"] for k in LOCALITY_ORDER}
total = sum(pops.values())
quota = {k: N_PRACTICES * pops[k] / total for k in LOCALITY_ORDER}
count = {k: int(quota[k]) for k in LOCALITY_ORDER}
for k in sorted(LOCALITY_ORDER, key=lambda k: -(quota[k] - int(quota[k])))[: N_PRACTICES - sum(count.values())]:
    count[k] += 1
n = len(lsoa["code"]["value"])
practice_of = [None] * n
practices = []
for k in LOCALITY_ORDER:
    idx = [i for i in range(n) if key_by_name[lsoa["locality"]["value"][i]] == k]
    idx.sort(key=lambda i: (lsoa["ward"]["value"][i], lsoa["code"]["value"][i]))
    loc_pop = sum(lsoa["population"]["value"][i] for i in idx)
    cum = 0.0
    for i in idx:
        p = min(count[k] - 1, int(count[k] * (cum + lsoa["population"]["value"][i] / 2) / loc_pop))
        practice_of[i] = f"{k}_p{p + 1:02d}"
        cum += lsoa["population"]["value"][i]
    for p in range(count[k]):
        practices.append((f"{k}_p{p + 1:02d}", k))
for key, k in practices:
    out.append(f'[[practices]]\nkey = "{key}"\nlocality = "{k}"\n')

from_ref("lsoas.code", "lsoa.code")
loc_ref = REF["lsoa"]["locality"]
figure("lsoas.locality", [key_by_name[x] for x in loc_ref["value"]], "locality key", loc_ref["year"], source_key(loc_ref["source"], "lsoa.locality"),
       loc_ref["confidence"], loc_ref.get("note"))
derived("lsoas.practice", practice_of, "practice key",
        f"synthetic practice catchments: {N_PRACTICES} practices (57 had huddles in 2018, ~50 after mergers) shared between "
        "localities by population (largest remainder); each locality's LSOAs, ordered by ward and code, cut into consecutive "
        "groups of about equal population. Replace with the real practice list when available", "2019")
from_ref("lsoas.population", "lsoa.population")
from_ref("lsoas.imd_decile", "lsoa.imd_decile")
from_ref("lsoas.imd_rank", "lsoa.imd_rank")

# ---------------------------------------------------------------- ethnicity
groups = ["White", "Black", "Asian", "Mixed", "Other"]
out.append("[ethnicity]\ngroups = " + tv(groups) + "\n")
from_ref("ethnicity.shares", "ethnicity.census2021_broad_shares")
estimate("ethnicity.imd_quintile_weight",
         [[0.70, 0.85, 1.0, 1.2, 1.35], [1.5, 1.3, 1.0, 0.7, 0.5], [1.1, 1.1, 1.0, 0.95, 0.9], [1.2, 1.1, 1.0, 0.9, 0.8], [1.2, 1.1, 1.0, 0.9, 0.8]],
         "relative weight", "no ethnicity-by-deprivation table for Croydon was available: the north of the borough is more "
         "deprived and more ethnically diverse. Rows: groups; columns: IMD quintile 1 (most deprived) to 5. Synthesis rakes "
         "the weights so borough shares match Census 2021 exactly in expectation")
estimate("ethnicity.age_band_weight",
         [[0.75, 0.95, 1.6], [1.15, 1.05, 0.6], [1.1, 1.0, 0.8], [1.8, 0.9, 0.25], [1.0, 1.05, 0.6]],
         "relative weight", "older residents are more often White, children more often Mixed (Census 2021 pattern for outer "
         "London). Rows: groups; columns: ages 0-17, 18-64, 65+")

# ---------------------------------------------------------------- conditions
cond_names = ["diabetes", "chd_hf", "copd", "dementia", "mental_illness"]
bands = [0, 16, 35, 45, 55, 65, 75, 85]
out.append("[conditions]\nnames = " + tv(cond_names) + "\nage_band_lower = " + tv(bands) + "\n")
dia, chd, copd = ref("prevalence.diabetes_by_age.value"), ref("prevalence.chd_by_age.value"), ref("prevalence.copd_by_age.value")
prev = [[0.002] + dia, [0.0] + chd, [0.0] + copd,
        [0.0, 0.0, 0.0, 0.0005, 0.002, 0.015, 0.07, 0.20],
        [0.01, 0.10, 0.12, 0.12, 0.11, 0.09, 0.09, 0.10]]
figure("conditions.prevalence_by_age", prev, "fraction diagnosed", "c.2019", "PLACESIM_DERIVED", "estimate",
       "rows: diabetes, CHD/heart failure, COPD, dementia, serious mental illness or depression; columns: ages 0-15, 16-34, "
       "35-44, 45-54, 55-64, 65-74, 75-84, 85+. Diabetes, CHD and COPD for 16+ are the reference estimates "
       "prevalence.diabetes_by_age, chd_by_age, copd_by_age (calibrated to QOF); under-16 diabetes 0.2% (type 1); dementia "
       "(diagnosed) and SMI/depression are placesim estimates consistent with QOF 2018/19 (dementia 0.8% of all ages, "
       "depression ~11% of adults)",
       cond_names)
estimate("conditions.male_multiplier", [1.2, 1.7, 1.1, 0.8, 0.6], "male-to-female prevalence ratio",
         "CHD male ~1.7x female (reference note to prevalence.chd_by_age); others placesim estimates. Applied so the "
         "age-specific prevalence of both sexes together is unchanged", cond_names)
estimate("conditions.ethnicity_multiplier",
         [[1.0, 1.75, 2.0, 1.3, 1.3], [1.0, 0.7, 1.5, 1.0, 1.0], [1.0, 0.5, 0.5, 0.8, 0.8], [1.0, 1.2, 1.0, 1.0, 1.0], [1.0, 1.2, 0.8, 1.2, 1.0]],
         "relative prevalence vs White",
         "diabetes: ~2x South Asian and 1.5-2x Black (reference note to prevalence.diabetes_by_age); other rows placesim "
         "estimates. Rows: conditions; columns: White, Black, Asian, Mixed, Other. Normalised in the model so the borough "
         "prevalence is unchanged")
from_ref("conditions.deprivation_age_shift", "prevalence.multimorbidity_onset_deprivation_shift",
         note="applied as an effective-age shift for condition and frailty risk: +shift x (10 - decile) / 9 years")
estimate("conditions.mortality_hr_per_condition", 1.25, "hazard ratio per condition held",
         "multimorbidity raises mortality; normalised by age so the life table is kept on average")
estimate("conditions.crisis_hr_per_condition", 1.4, "hazard ratio per condition held",
         "ambulatory-care-sensitive admissions concentrate in people with long-term conditions; normalised by age")

# ---------------------------------------------------------------- frailty
out.append("[frailty]\nage_band_lower = " + tv([50, 65, 75, 85]) + "\n")
estimate("frailty.initial_any_share_by_age", [0.25, 0.40, 0.55, 0.75], "fraction with eFI >= mild",
         "consistent with 38.9% of adults 50+ with any eFI frailty in 2017 (prevalence.frailty_any_50plus_2017) given the "
         "age mix; rises with age", ["50-64", "65-74", "75-84", "85+"])
shares = ref("prevalence.efi_category_shares_65_95.value")
derived("frailty.severity_shares", [round(x / (1 - shares[0]), 4) for x in shares[1:]], "fraction of the frail",
        "eFI category shares 65-95 (prevalence.efi_category_shares_65_95: 50/35/12/3%) renormalised over the frail", "2016",
        ["mild", "moderate", "severe"])
from_ref("frailty.onset_rate_by_age", "prevalence.frailty_onset_rate_by_age")
estimate("frailty.progression_rate", [0.08, 0.10], "probability per year",
         "eFI progression mild -> moderate and moderate -> severe", ["mild_to_moderate", "moderate_to_severe"])
estimate("frailty.post_admission_progression_hr", 2.0, "hazard ratio", "in the 12 weeks after an emergency admission")
from_ref("frailty.mortality_hr", "prevalence.efi_hr_mortality_1yr")
from_ref("frailty.crisis_hr", "prevalence.efi_hr_hospitalisation_1yr")

# ---------------------------------------------------------------- isolation
iso_bands = [0, 18, 50, 65, 75, 85]
out.append("[isolation]\nage_band_lower = " + tv(iso_bands) + "\n")
labs = ["0-17", "18-49", "50-64", "65-74", "75-84", "85+"]
estimate("isolation.prevalence_by_age", [0.02, 0.06, 0.07, 0.10, 0.14, 0.20], "fraction socially isolated",
         "chronic loneliness/isolation rises in old age (ONS ~6-7% of adults often lonely)", labs)
estimate("isolation.onset_rate_by_age", [0.005, 0.015, 0.015, 0.025, 0.035, 0.05], "probability per year", "keeps prevalence stable with resolve_rate", labs)
estimate("isolation.resolve_rate", 0.25, "probability per year", "isolation resolving without intervention")
estimate("isolation.crisis_hr", 1.3, "hazard ratio", "isolation and loneliness are associated with more emergency care use")

# ---------------------------------------------------------------- mortality
from_ref("mortality.mx_male", "mortality.mx_male", labels=[str(a) for a in range(100)] + ["100+"])
from_ref("mortality.mx_female", "mortality.mx_female", labels=[str(a) for a in range(100)] + ["100+"])
from_ref("mortality.imd_multiplier_male", "mortality.mx_multiplier_by_imd_decile_male")
from_ref("mortality.imd_multiplier_female", "mortality.mx_multiplier_by_imd_decile_female")
out.append("[mortality]\nhospital_age_band_lower = " + tv([0, 18, 45, 65, 75, 85]) + "\n")
estimate("mortality.in_hospital_death_probability", [0.001, 0.003, 0.01, 0.03, 0.06, 0.11], "probability per emergency admission",
         "in-hospital mortality of emergency admissions by age (~3% overall); part of, not extra to, life-table mortality",
         ["0-17", "18-44", "45-64", "65-74", "75-84", "85+"])

# ---------------------------------------------------------------- calendar
FYS = [f"FY{y}/{str(y + 1)[2:]}" for y in range(2016, 2027)]
out.append("[calendar]\nfirst_financial_year = 2016\nwinter_peak_week = 1\nfirst_mortality_month = \"2020-03\"\n")
figure("calendar.crisis_multiplier", [0.97, 0.98, 0.99, 1.0, 0.70, 0.97, 1.0, 1.0, 1.0, 1.0, 1.0],
       "A&E attendances per resident relative to FY2019/20, by financial year from first_financial_year", "2016-2027",
       "NHSD_AE_2021", "estimate",
       "before 2019/20: 2% a year activity growth less 1% population growth (about 1% a year per resident); 2020/21: -30.3% "
       "(COVID-19); 2021/22: -3% on 2019/20; from 2022/23 held at the 2019/20 level (no further trend assumed: estimate); the "
       "last value holds for later years", FYS)
figure("calendar.admission_multiplier", [1.0, 1.0, 1.0, 1.0, 1.23, 0.98, 0.91, 0.91, 0.91, 0.91, 0.91],
       "A&E attendance to emergency admission conversion relative to FY2019/20", "2016-2027", "HF_LOS_2023", "estimate",
       "2022: 9% fewer emergency admissions than 2019 with attendances near the 2019 level (conversion 0.91, held after); "
       "2020/21: admissions fell far less than attendances, the sickest still came (estimate: admissions -14%, conversion "
       "0.86/0.70); 2021/22: estimate between", FYS)
figure("calendar.los_multiplier", [1.0, 1.0, 1.0, 1.0, 1.02, 1.04, 1.06, 1.06, 1.06, 1.06, 1.06],
       "mean acute (not delayed) length of stay of emergency admissions relative to FY2019/20", "2016-2027", "HF_LOS_2023",
       "estimate",
       "derived: mean stay 7.9 days in 2019 and 9.1 in 2022 (+15%), of which delayed days were about 4.5% and 12% (the "
       "delayed-share targets): 0.36 and 1.09 days; the acute part rose from 7.54 to 8.01 days (+6%), held after; 2020/21 and "
       "2021/22 interpolated (estimate). The delayed part follows calendar.discharge_delay_multiplier", FYS)
figure("calendar.zero_day_multiplier", [1.0] * 11,
       "share of emergency admissions with a zero-day stay relative to FY2019/20, by financial year from "
       "first_financial_year", "2016-2027", "NAO_EMERGENCY_ADMISSIONS_2018", "estimate",
       "held at 1 (no year-by-year national series found): zero-day admissions rose 27% from 2013-14 to 2016-17 and made "
       "79% of the growth in emergency admissions (NAO_EMERGENCY_ADMISSIONS_2018), about a third of emergency admissions by "
       "2016-17 (HF2018, hospital.zero_day_share), before the run starts; same-day emergency care moves from inpatient data "
       "to the Emergency Care Data Set from July 2025 (NHS Digital), a break in any later series. A planner with a local or "
       "national series sets it here (the share is capped at 1)", FYS)
figure("calendar.mortality_multiplier", [1.0, 1.0, 1.0, 1.0, 1.19, 1.06, 1.07, 1.03, 1.0, 1.0, 1.0],
       "death hazards (background and case fatality of crises) relative to FY2019/20 (COVID-19's excess deaths), by financial "
       "year from first_financial_year",
       "2016-2027", "ONS_EXCESS_DEATHS", "estimate",
       "derived from England and Wales's excess deaths against about 532,000 expected a year: calendar 2020 about 73,000 "
       "with January-February below average, so about 76,000 from April to December 2020; with about 25,000 in January-March "
       "2021 (January 16,548), FY2020/21 about 100,000 (+19%); the rest of the 133,623 to December 2021 and about half of the "
       "3,824 from January to June 2022, FY2021/22 about 32,500 (+6%); the 29,909 from July to December 2022 and an estimated "
       "5,000 in January-March 2023, FY2022/23 about 37,000 (+7%); FY2023/24 +3% and later years 1.0 are estimates. The split "
       "between months is an estimate, the totals are ONS's. Multiplies every death hazard: the background hazard at every "
       "age and the case fatality of crises. For March 2020 to March 2021 calendar.monthly_mortality_multiplier (London's "
       "waves, month by month) replaces it, so the FY2020/21 value here is used only by a place without monthly values",
       FYS)
MORTALITY_MONTHS = ["2020-03", "2020-04", "2020-05", "2020-06", "2020-07", "2020-08", "2020-09", "2020-10", "2020-11",
                    "2020-12", "2021-01", "2021-02", "2021-03"]
figure("calendar.monthly_mortality_multiplier",
       [1.25, 2.82, 1.30, 0.98, 0.94, 1.01, 0.98, 0.99, 1.07, 1.17, 1.90, 1.35, 0.92],
       "deaths registered relative to those expected, by calendar month from first_mortality_month (London)", "2020-2021",
       "ONS_WEEKLY_DEATHS_LONDON", "approximate",
       "derived: London's deaths registered by week over the 2015-2019 average of the same week, each week spread evenly "
       "over its days to give months (observed/expected: March 2020 5,546/4,435; April 11,642/4,134; May 5,042/3,881; "
       "January 2021 9,918/5,210; February 5,858/4,353; the months between within 0.94-1.17). Registrations lag deaths by "
       "a few days. London's, not Croydon's (no Croydon weekly series found): Croydon's deaths rose 24.7% from the year to "
       "mid-2019 to the year to mid-2020 (ONS_MYE3_COMPONENTS), London's excess over March-June 2020 was about 19% of a "
       "year's expected deaths. Replaces calendar.mortality_multiplier in the weeks that start in these months, so the "
       "first two waves fall in the right weeks: FY2020/21 as a whole about 1.31 (England 1.19)",
       MORTALITY_MONTHS)
figure("calendar.discharge_delay_multiplier", [1.32, 1.15, 0.93, 1.0, 0.9, 2.0, 2.77, 2.77, 2.62, 2.62, 2.62],
       "days to arrange a supported discharge relative to FY2019/20, by financial year from first_financial_year",
       "2016-2027", "NUFFIELD_DTOC_2019", "estimate",
       "England's patients delayed per day relative to about 4,700 in 2019/20 (Nuffield Trust: 6,660 peak February 2017, 4,491 "
       "June 2018, 4,155 December 2018, 4,802 August 2019; year means estimated 6,200, 5,400, 4,350); 2020/21: delays fell "
       "under the COVID-19 discharge policy, about 5,000 a day in December 2020 (HF_DELAYS_2024; estimate 0.9 for the year); "
       "2021/22: estimate between; 2022/23 and 2023/24: about 13,000 a day (HF_DELAYS_2024; the Shared Data Unit's 2023 "
       "figure, the source of the FY2022/23 delayed-share target, is the same series, so that target checks this "
       "multiplier's effect on bed days, not the multiplier); 2024/25: 12,326 in July 2024 (NCTR_JULY_2024), held after. The "
       "series changes definition in 2020 (delayed transfers of care to 'no longer meeting the criteria to reside', which "
       "counts more): how much of the rise is the definition is not known, so the multiplier after 2020 may overstate "
       "the rise", FYS)
estimate("calendar.winter_crisis_amplitude_65_plus", 0.08,
         "relative amplitude of the yearly cycle of crises of residents 65+ (peak at winter_peak_week)",
         "emergency admissions of older people peak in early January and are lowest in late summer, about +-8% around the mean "
         "(estimate; range 0.04-0.12)", range=[0.04, 0.12])
estimate("calendar.winter_los_amplitude", 0.05, "relative amplitude of the yearly cycle of length of stay",
         "stays are longer in winter (estimate; range 0-0.10)", range=[0.0, 0.10])

# ---------------------------------------------------------------- hospital
act = [0, 5, 15, 45, 65, 75, 85]
out.append("[hospital]\nactivity_age_band_lower = " + tv(act) + "\ngradient_age_band_lower = " + tv([0, 20, 38, 53, 67]) +
           "\nlos_age_band_lower = " + tv([0, 18, 45, 65, 75, 85]) + "\ndischarge_age_band_lower = " + tv([0, 18, 65, 75, 85]) + "\n")
from_ref("hospital.ae_attendance_rate_by_age", "hospital.ae_attendance_rate_by_age")
from_ref("hospital.emergency_admission_rate_by_age", "hospital.emergency_admission_rate_by_age")
dv = ref("hospital.devon_emergency_admission_rate_by_age_and_imd.value")
from_ref("hospital.imd_gradient", "hospital.devon_emergency_admission_rate_by_age_and_imd",
         value=[dv[i * 5:(i + 1) * 5] for i in range(5)], labels=["0-19", "20-37", "38-52", "53-66", "67-110"],
         note="rows: age 0-19, 20-37, 38-52, 53-66, 67-110; columns: IMD quintile most deprived -> least deprived")
from_ref("hospital.zero_day_share", "hospital.share_zero_day_emergency_stays")
from_ref("hospital.los_mean_by_age", "hospital.emergency_los_by_age")
estimate("hospital.los_frailty_multiplier", [1.0, 1.1, 1.25, 1.4], "multiplier on mean overnight stay",
         "frailer patients stay longer (85+ and 5+ conditions: 10.8 days vs 7.9 overall)", ["fit", "mild", "moderate", "severe"])
estimate("hospital.trim_point_days", 14.0, "days", "days covered by the non-elective spell tariff before excess bed days are charged")
from_ref("hospital.readmission_30day", "hospital.readmission_30day_all")
estimate("hospital.discharge_support_probability", [0.0, 0.02, 0.06, 0.12, 0.22], "probability per discharge",
         "needing reablement, a home-care package or a care home after an emergency admission; Croydon offered reablement "
         "to 7.1% of 65+ discharges (effects.ascof_2b2_offered_2020_21)", ["0-17", "18-64", "65-74", "75-84", "85+"])
estimate("hospital.discharge_support_frailty_multiplier", [0.5, 1.0, 1.8, 2.8], "multiplier", "by frailty: fit, mild, moderate, severe",
         ["fit", "mild", "moderate", "severe"])
estimate("hospital.discharge_care_home_probability", [0.0, 0.05, 0.08, 0.12, 0.20], "probability given support is needed",
         "share of those needing support who need a care home", ["0-17", "18-64", "65-74", "75-84", "85+"])

figure("hospital.discharge_process_days_reablement", 3.0, "mean days from fit for discharge to leaving hospital for reablement",
       "2015-2020", "KF_NAIC_2016", "estimate",
       "the days taken to arrange the discharge before any wait for a place, delayed bed days; discharge to assess aims at "
       "discharge the day a patient is fit (low 1); the 2015 intermediate-care audit's mean wait for reablement, 6 days, is the "
       "high end (before discharge to assess); central 3 is an estimate", range=[1.0, 6.0])
figure("hospital.discharge_process_days_package", 8.0, "mean days from fit for discharge to leaving hospital with a new home-care package",
       "2015-2020", "KF_NAIC_2016", "estimate",
       "the 2015 intermediate-care audit's mean wait for home-care rehabilitation, 8 days (a proxy for a package's start); "
       "JASINARACHCHI_2009: about 12 extra days per delayed patient 65+, 27.6% of them awaiting domiciliary care; range 4-14 "
       "(estimate)", range=[4.0, 14.0])
figure("hospital.discharge_process_days_care_home", 14.0, "mean days from fit for discharge to leaving hospital for a care home",
       "2007-2024", "JASINARACHCHI_2009", "estimate",
       "no published mean by route found: about 12 extra days per delayed patient 65+ (all reasons; JASINARACHCHI_2009); "
       "NCTR_JULY_2024: 17% of care providers said a discharge into their care took 1-2 weeks, 7% three weeks or more; central "
       "14 and range 7-28 are estimates", range=[7.0, 28.0])

# ---------------------------------------------------------------- social care
out.append("[social_care]\nage_band_lower = " + tv([65, 75, 85]) + "\n")
estimate("social_care.initial_home_care_share", [0.02, 0.05, 0.12], "fraction with a long-term home-care package", "aged 65-74, 75-84, 85+",
         ["65-74", "75-84", "85+"])
estimate("social_care.initial_care_home_share", [0.003, 0.012, 0.06], "fraction living in a care home", "aged 65-74, 75-84, 85+",
         ["65-74", "75-84", "85+"])
estimate("social_care.community_package_rate", [0.002, 0.008, 0.025, 0.06], "new packages per person-year (65+)",
         "entry to long-term home care without a hospital stay, by frailty", ["fit", "mild", "moderate", "severe"])
estimate("social_care.package_end_rate", 0.15, "packages ended per client-year (not by death, a care-home move or an admission)",
         "long-term home care has no fixed period and is reviewed (NHS Digital, Adult Social Care Activity and Finance Report "
         "2018-19, chapter 4): packages end when needs fall, a carer takes over, the client self-funds or moves away. Estimate: "
         "about one in seven a year, range 0.05-0.30; with deaths and care-home moves, about a third of clients a year leave",
         range=[0.05, 0.30])
estimate("social_care.community_care_home_rate", [0.0005, 0.002, 0.008, 0.02], "moves per person-year (65+)",
         "permanent care-home admission without a hospital stay, by frailty", ["fit", "mild", "moderate", "severe"])
figure("social_care.care_home_mortality_hr", 1.7,
       "hazard ratio of death (background and crises' case fatality), care-home residents against residents at home of the "
       "same age, sex, deprivation, frailty and conditions", "2009", "SHAH_2013", "estimate",
       "derived: 26.2% of care-home residents 65+ died within a year (SHAH_2013: hazard 0.304 a year); the model's "
       "care-home residents, who are at least moderately frail, died at about 16% a year without this ratio (hazard about "
       "0.176: FY2019/20, 222 admissions and a stock rising by about 71 a year around 936), so 0.304 / 0.176 = 1.7. Range: "
       "annual mortality 22% to 32% (24.2% in the first year after moving in, Scotland 2013-2016, MacRae et al., BMJ "
       "Supportive & Palliative Care 2024; rising over 2006-2015, Espuny Pujol et al., Social Science & Medicine 2021), "
       "hazard ratio 1.4 to 2.2. Residents' shorter lives, not self-funders, set how many council-funded places a given "
       "number of admissions fills",
       range=[1.4, 2.2])

# ---------------------------------------------------------------- primary care
out.append("[primary_care]\nage_band_lower = " + tv(act) + "\n")
estimate("primary_care.consultation_rate_by_age", [3.5, 1.5, 2.5, 3.5, 5.0, 6.5, 8.0], "GP consultations per person-year",
         "GP (not nurse) consultations by age, England c.2019", ["0-4", "5-14", "15-44", "45-64", "65-74", "75-84", "85+"])

# ---------------------------------------------------------------- costs
from_ref("costs.ae_attendance", "costs.ae_attendance_2018_19")
from_ref("costs.emergency_admission_short_stay", "costs.nel_short_stay_2018_19")
from_ref("costs.emergency_admission_long_stay", "costs.nel_long_stay_2018_19")
from_ref("costs.excess_bed_day", "costs.excess_bed_day_2018_19")
from_ref("costs.delayed_bed_day", "costs.delayed_discharge_bed_day_2018_19")
from_ref("costs.gp_consultation", "costs.gp_consultation_2018_19")
from_ref("costs.huddle_hour", "costs.mdt_huddle_hour")
from_ref("costs.pic_episode", "costs.pic_episode")
from_ref("costs.life_episode", "costs.life_episode")
estimate("costs.life_liaison_assessment", 150.0, "GBP per A&E liaison assessment",
         "about 2 hours of a band 6-7 therapist or nurse with overheads (district nurse hour GBP 48, 2018/19)", year="2018/19")
from_ref("costs.social_prescribing_referral", "costs.social_prescribing_per_referral_2019_20")
estimate("costs.pharmacist_review", 120.0, "GBP per domiciliary medication review",
         "about 2 hours of a band 8a pharmacist including travel", year="2018/19")
figure("costs.home_care_week", 185.0, "GBP per week (10 h/week package)", "2018/19 prices", "UKHCA_MIN_PRICE_2019", "approximate",
       "10 hours a week at GBP 18.50 an hour: between UKHCA's Minimum Price for Homecare at the national minimum wage, GBP 18.93 "
       "from April 2019, and the reference's 2018/19 London estimate of GBP 18.50 (costs.home_care_hour_2018_19, range 16-21; "
       "councils often paid below the minimum price); the high end is UKHCA's London Living Wage price, GBP 23.97 an hour. "
       "The 10 hours a week of a package is an estimate", range=[160.0, 240.0])
figure("costs.care_home_week", 650.0, "GBP per week (LA-funded)", "2018/19 prices", "CARE_HOME_FEES_2019", "approximate",
       "what a council pays a care home a week for a resident 65+, residential and nursing together: Devon paid GBP 595 "
       "(residential) and 664 (nursing) in 2018/19; the whole UK market, self-funders included, averaged GBP 651 and 893 "
       "(LaingBuisson 2018-19); Croydon's standard residential rate was GBP 417 in 2015 (Which?), low for London. Range "
       "450-900", range=[450.0, 900.0])
figure("costs.pic_worker_year", 32000.0, "GBP per PIC whole-time equivalent per year (incl. on-costs)", "2018/19 prices",
       source_key(ref("costs.pic_episode")["source"], "costs.pic_episode"), "estimate",
       "the PIC episode cost's staffing basis (voluntary-sector coordinator ~GBP 32k incl. on-costs); running cost of PICs = staffed WTE x this")
figure("costs.link_worker_year", 34000.0, "GBP per social-prescribing link worker WTE per year", "2019/20 prices",
       source_key(ref("costs.social_prescribing_per_referral_2019_20")["source"], "costs.social_prescribing_per_referral_2019_20"), "estimate",
       "DES reimbursement up to ~GBP 34k per WTE; running cost of link workers = staffed WTE x this")

# ---------------------------------------------------------------- economics
from_ref("economics.discount_rate_costs", "economics.discount_rate_costs")
from_ref("economics.discount_rate_qalys", "economics.discount_rate_qalys")
from_ref("economics.qaly_thresholds", "economics.qaly_threshold")
from_ref("economics.eq5d_coefficients", "economics.eq5d_ara_brazier_coefficients")
from_ref("economics.cash_releasing_share", "economics.cash_releasing_share", range=[0.2, 1.0])
estimate("economics.claim_package_weeks", 52.0, "weeks of home care a claim counts as avoided for each reablement client who leaves without a package",
         "a stated convention for a service's claim (a package avoided for one year), not evidence of how long packages "
         "are avoided; range half a year to two years. Used only by the claim-to-model bridge of placesim compare",
         range=[26.0, 104.0])
estimate("economics.eq5d_condition_multiplier", 0.95, "multiplier of the EQ-5D norm per long-term condition",
         "multiplicative comorbidity method of Ara & Brazier (2010/11); about 0.93-0.97 per condition for common chronic conditions",
         year="2010")
estimate("economics.eq5d_frailty_multiplier", [1.0, 0.92, 0.82, 0.70], "multiplier of the EQ-5D norm by eFI frailty category",
         "mean EQ-5D falls by about 0.05-0.10 per eFI category step in older primary-care populations; the norm already carries age",
         labels=["fit", "mild", "moderate", "severe"], year="2010")

# ---------------------------------------------------------------- effects
from_ref("effects.huddle_crisis_change", "effects.huddle_default_admission_effect", range=[-0.14, 0.10])
estimate("effects.huddle_effect_ramp_years", 4.0, "years from a practice's start to the full effect of huddles",
         "the evaluation evidence (IAU, reference effects.huddle_default_admission_effect) finds near-zero effects in years 1-2 "
         "and possible small reductions after 5-6 years: central 4, range 3-6", range=[3.0, 6.0])
from_ref("effects.social_prescribing_gp_reduction", "effects.social_prescribing_default_gp", range=[0.0, 0.28])
from_ref("effects.social_prescribing_ae_reduction", "effects.social_prescribing_default_ae", range=[0.0, 0.24])
estimate("effects.social_prescribing_admission_reduction", 0.0, "relative reduction in emergency admissions among referred",
         "reviews report falls in GP and A&E use but no effect on emergency admissions: central 0 (the A&E attendances avoided "
         "are not ones that would have been admitted); high = the A&E effect passed through", range=[0.0, 0.07])
estimate("effects.pic_crisis_reduction", 0.0, "relative reduction in crisis hazard during PIC support",
         "no evaluation found an effect of care co-ordination alone on crises or admissions: central 0; range allows a small "
         "harm or benefit", range=[-0.05, 0.05])
figure("effects.reablement_no_package", 0.6, "fraction of reablement clients", "2017/18", "BRIEF", "approximate",
       "~60% need no long-term package after LIFE (seed figure); ASCOF 2D England 74.9% with no or lower ongoing support")
from_ref("effects.life_visit_within_2h", "effects.croydon_life_home_within_2h")
from_ref("effects.d2a_los_reduction_days", "effects.d2a_los_reduction_default", range=[0.5, 3.0])
estimate("effects.pharmacist_crisis_reduction", 0.10, "relative reduction in crisis hazard", "after a domiciliary medication review, for 26 weeks",
         range=[0.0, 0.2])
figure("effects.diversion_death_rr", 1.0, "relative risk of dying of the crisis when sent home from A&E instead of admitted", "2016",
       "COCHRANE_AAHAH_2016", "estimate",
       "central 1.0 (no difference assumed): LIFE liaison sends patients home with reablement, not acute treatment at home as in the "
       "review's trials; low = the review's lower 95% limit; high 1.10 = estimate allowing harm from a missed deterioration",
       range=[0.60, 1.10])
figure("effects.d2a_death_rr", 1.0, "relative risk of dying of the crisis for an inpatient leaving by discharge to assess", "2017",
       "COCHRANE_EDHAH_2017", "estimate",
       "central 1.0 (no difference assumed); range = the review's 95% interval for early discharge hospital at home",
       range=[0.76, 1.49])
estimate("effects.pic_isolation_resolved", 0.5, "probability", "a PIC episode resolves social isolation")

out.append("[sources]\n" + "\n".join(f"{k} = {tv(v)}" for k, v in SOURCES.items()) + "\n")
sys.stdout.write("\n".join(out))
