"""The demo's vocabulary: names, templates, line kinds, case titles, reps."""

# fmt: off

NAME_WORDS = (
    "Northwind", "Southbay", "Westfield", "Eastgate", "Brightwater", "Redwood", "Stonebridge",
    "Oakridge", "Clearview", "Riverside", "Lakeside", "Highland", "Greenfield", "Ironwood",
    "Kingsley", "Ashford", "Bellmont", "Crestline", "Fairhaven", "Goldcrest", "Harborview",
    "Juniper", "Larkspur", "Meridian", "Norwood", "Pinecrest", "Quarry Hill", "Rosewood",
    "Sterling", "Thornbury", "Upland", "Vantage", "Willowbrook", "Yardley", "Zenith",
)
NAME_ADJECTIVES = (
    "Blue", "Silver", "Golden", "Red", "Green", "North", "South", "East", "West", "Old", "New",
    "Bright", "Swift", "Grand", "Royal", "Coastal", "Summit", "Pine", "Maple", "Cedar",
)
NAME_NOUNS = (
    "Harbor", "Peak", "River", "Valley", "Bridge", "Stone", "Field", "Ridge", "Lake", "Forest",
    "Mill", "Gate", "Point", "Bay", "Hill", "Crest", "Rock", "Meadow", "Spring", "Star",
)
INDUSTRIES = (
    "Logistics", "Clinics", "Foods", "Pharma", "Hotels", "Dental", "Motors", "Textiles",
    "Insurance", "Bank", "Media", "Retail", "Energy", "Solar", "Labs", "Software", "Systems",
    "Engineering", "Construction", "Architects", "Law Partners", "Accounting", "Travel",
    "Airways", "Shipping", "Freight", "Bakeries", "Breweries", "Farms", "Dairy", "Printing",
    "Publishing", "Schools", "College", "Hospital", "Pharmacies", "Telecom", "Networks",
    "Security", "Consulting",
)
NAME_SUFFIXES = ("", " Group", " Ltd", " Inc", " & Co", " Holdings", " S.L.", " GmbH")
NAME_REGIONS = ("", " Iberia", " Nordic", " Benelux", " Americas", " Asia Pacific")
MAIL_BOXES = ("support", "it", "helpdesk", "info", "ops", "servicedesk")
PHONE_PREFIXES = ("+34 91", "+34 93", "+44 20", "+49 30", "+33 1", "+1 212", "+1 415", "+31 20")

# name, abbreviation, allotment type, billing, volume (cases or minutes), hours, description
TEMPLATES = (
    ("Phone Support Basic", "PHONEB", "cases", "quarterly", 8,
     "Mon-Fri 09:00-17:00 Europe/Madrid", "Phone support during office hours, per case."),
    ("Phone Support Plus", "PHONEP", "cases", "monthly", 12,
     "Mon-Fri 08:00-20:00 Europe/London", "Extended-hours phone and e-mail support."),
    ("Remote Assistance", "REMOTE", "cases", "bimonthly", 5,
     "Mon-Fri 08:00-18:00 Asia/Tokyo", "Remote desktop assistance, per incident."),
    ("Incident Pack", "INCPACK", "cases", "annually", 10,
     "24x7", "A yearly pack of incidents, any time of day."),
    ("Developer Hours", "DEVHRS", "time", "monthly", 1200,
     "Mon-Fri 08:00-18:00 Europe/Madrid", "Developer time, billed in 15-minute steps."),
    ("Consulting Bank", "CONSULT", "time", "semiannually", 2400,
     "Mon-Fri 09:00-17:00 America/New_York", "A bank of consulting hours."),
    ("Onsite Engineer", "ONSITE", "time", "quarterly", 960,
     "Mon-Sat 07:00-19:00 Europe/Berlin", "An engineer at the customer's site."),
    ("Premium Cover", "PREMIUM", "coverage", "annually", None,
     "24x7", "Unlimited cases around the clock."),
    ("Business Hours Cover", "BIZCOVER", "coverage", "bimonthly", None,
     "Mon-Fri 08:00-18:00 Europe/Madrid", "Unlimited cases during office hours."),
)
TEMPLATE_WEIGHTS = (14, 10, 8, 8, 14, 6, 8, 10, 8)
TIME_INCREMENT, TIME_MINIMUM = 15, 30

# (title, product) per allotment type
LINE_KINDS = {
    "cases": (
        ("Phone support", "Helpdesk L1"), ("E-mail support", "Helpdesk L1"),
        ("Remote incident handling", "Helpdesk L2"), ("Printer and peripherals", "Field L1"),
        ("Network incidents", "NetOps"), ("Account and password requests", "Helpdesk L1"),
        ("ERP application support", "Apps L2"),
    ),
    "time": (
        ("Developer hours", "Dev team"), ("Consulting", "Advisory"),
        ("Onsite engineering", "Field L2"), ("Database administration", "DBA"),
        ("Security review", "SecOps"), ("Training sessions", "Academy"),
    ),
    "coverage": (
        ("Server coverage", "Datacenter"), ("Network coverage", "NetOps"),
        ("Workstation coverage", "Field L1"), ("Cloud services coverage", "CloudOps"),
        ("Point-of-sale coverage", "Retail L2"), ("Telephony coverage", "Voice"),
    ),
}
CASE_VOLUMES = (5, 5, 8, 10, 10, 12)
TIME_VOLUMES = (600, 600, 960, 1200, 2400)  # 10h, 16h, 20h, 40h
TIME_CHUNKS = (30, 60, 90, 120, 180, 240, 240, 360, 480, 480)
SPENT = (15, 20, 30, 45, 60, 90)  # minutes noted on cases of other lines
CONTRACT_SITES = ("HQ", "Warehouse", "Head office", "Branch network", "Plant 2", "Data centre",
                  "Retail stores", "Call centre")
CASE_TITLES = (
    "Printer offline in accounting", "VPN drops every hour", "Password reset for new hire",
    "E-mail not syncing on phone", "Laptop will not boot", "Slow file server",
    "Invoice run fails at month end", "Wi-Fi dead zone in meeting room", "Backup job failed",
    "Certificate expired on web shop", "Scanner sends blank pages", "Disk almost full on DB01",
    "Cannot log in to ERP", "Phone system drops calls", "Outlook crashes on start",
    "Shared calendar missing", "Firewall blocks supplier portal", "Label printer misaligned",
    "New user accounts for interns", "Report export times out", "Monitor flickers",
    "Point-of-sale terminal frozen", "Upgrade to new software version", "Data restore request",
    "Website down after update", "Replace failed RAID disk", "Mailbox quota exceeded",
    "License key rejected", "Access to shared folder", "Time clock not recording",
)
RESOLUTIONS = (
    "Restarted the service; working again.", "Replaced the cable.", "Reset the password.",
    "Updated the driver.", "Restored from last night's backup.", "Reconfigured the VPN client.",
    "Cleared the queue and reprinted.", "Applied the vendor patch.", "Freed disk space.",
    "Renewed the certificate.", "Explained the workaround to the user.", "Replaced the unit.",
)
CANCEL_REASONS = (
    "customer closed the site", "moved to a competitor", "budget cut", "merged into another contract",
    "service no longer needed", "company acquired",
)
REPS = ("agarcia", "bmartin", "cjohnson", "dlee", "efernandez", "fmuller", "grossi", "hkim",
        "ilopez", "jnovak")
SUPERVISORS = ("mlopez", "kwong", "sdubois")
# fmt: on
