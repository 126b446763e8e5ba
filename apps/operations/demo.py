"""What seed_demo makes: the demo programs of both tracks, the accounts to sign in with,
and the university's calendar that dates the programs' terms and windows."""

from datetime import date, timedelta
from decimal import Decimal

from apps.accounts.models import DegreeLevel, Gender
from apps.programs.models import Region

DEFAULT_PASSWORD = "demo-pass-2026"

# (title, partner, country, state); states: open, upcoming, closed.
PROGRAMS = {
    Region.INTERNATIONAL: [
        ("东京大学本科生交换项目", "东京大学", "日本", "open"),
        ("新加坡国立大学学期交流项目", "新加坡国立大学", "新加坡", "open"),
        ("多伦多大学暑期研修项目", "多伦多大学", "加拿大", "open"),
        ("墨尔本大学学期交换项目", "墨尔本大学", "澳大利亚", "open"),
        ("慕尼黑工业大学工科交换项目", "慕尼黑工业大学", "德国", "open"),
        ("巴黎萨克雷大学研究生交流项目", "巴黎萨克雷大学", "法国", "open"),
        ("加州大学伯克利分校暑期学术项目", "加州大学伯克利分校", "美国", "upcoming"),
        ("曼彻斯特大学学年交换项目", "曼彻斯特大学", "英国", "upcoming"),
        ("首尔大学学期交换项目", "首尔大学", "韩国", "upcoming"),
        ("哥本哈根大学春季交换项目", "哥本哈根大学", "丹麦", "closed"),
        ("苏黎世联邦理工学院科研实习项目", "苏黎世联邦理工学院", "瑞士", "closed"),
        ("京都大学短期访学项目", "京都大学", "日本", "closed"),
        ("莫纳什大学学期交换项目", "莫纳什大学", "澳大利亚", "closed"),
    ],
    Region.HMT: [
        ("香港大学学期交流项目", "香港大学", "中国香港", "open"),
        ("香港中文大学学期交流项目", "香港中文大学", "中国香港", "open"),
        ("香港科技大学工学院交流项目", "香港科技大学", "中国香港", "open"),
        ("澳门大学学期交流项目", "澳门大学", "中国澳门", "open"),
        ("台湾大学学期交流项目", "台湾大学", "中国台湾", "open"),
        ("台湾清华大学学期交流项目", "台湾清华大学", "中国台湾", "open"),
        ("香港城市大学暑期研习项目", "香港城市大学", "中国香港", "upcoming"),
        ("澳门科技大学短期交流项目", "澳门科技大学", "中国澳门", "upcoming"),
        ("政治大学学期交流项目", "政治大学", "中国台湾", "upcoming"),
        ("香港理工大学学期交流项目", "香港理工大学", "中国香港", "closed"),
        ("成功大学学期交流项目", "成功大学", "中国台湾", "closed"),
        ("香港浸会大学学期交流项目", "香港浸会大学", "中国香港", "closed"),
        ("台湾师范大学暑期研习项目", "台湾师范大学", "中国台湾", "closed"),
    ],
}

# The prose a program's page shows (申请条件, 语言要求) says what its structured requirements
# (REQUIREMENTS below) check, and what they cannot (单项 scores, health, conduct).
LANGUAGE_REQUIREMENT = {
    Region.INTERNATIONAL: "雅思 6.5（单项不低于 6.0）或托福 90 分及以上。",
    Region.HMT: "普通话授课，无外语成绩要求；部分课程为英语授课，建议具备大学英语六级水平。",
}

DESCRIPTION = (
    "{partner}是我校的校际交流合作院校。入选学生在交流期间免交{partner}学费，"
    "按我校学籍管理规定办理学分认定。\n\n"
    "请在报名截止前提交申请表及中英文成绩单、中英文在读证明、外语水平证明等附件。"
)
CONDUCT = "学习成绩优良，无违纪记录；身体健康。"
ELIGIBILITY = {
    Region.INTERNATIONAL: "全日制在读本科生或研究生，二年级及以上；" + CONDUCT,
    Region.HMT: "全日制在读本科生或硕士研究生，二年级及以上；" + CONDUCT,
}

# (申请条件, 语言要求) of the programs whose REQUIREMENTS are their own.
PROSE = {
    "东京大学本科生交换项目": (
        "全日制在读本科生，二年级及以上，平均学分绩点 3.0 及以上；" + CONDUCT,
        "日语能力考试 100 分及以上；英语授课课程可提供雅思 6.5 或托福 85 分及以上。",
    ),
    "新加坡国立大学学期交流项目": (
        "全日制在读学生，二年级及以上；平均学分绩点 3.3 及以上者优先；" + CONDUCT,
        "雅思 6.5（单项不低于 6.0）或托福 90 分及以上。",
    ),
    "多伦多大学暑期研修项目": (
        ELIGIBILITY[Region.INTERNATIONAL],
        "建议雅思 6.5 或托福 90 分及以上，未达到者可先报名。",
    ),
    "墨尔本大学学期交换项目": (
        "全日制在读学生（临床医学、口腔医学专业除外）；" + CONDUCT,
        "雅思 6.5（单项不低于 6.0）或托福 79 分及以上。",
    ),
    "慕尼黑工业大学工科交换项目": (
        "计算机学院、机械工程学院、电气与电子工程学院学生优先；" + CONDUCT,
        "德语 TestDaF 16 分及以上；英语授课课程可提供雅思 6.5 及以上。",
    ),
    "巴黎萨克雷大学研究生交流项目": (
        "全日制在读硕士或博士研究生；" + CONDUCT,
        "建议法语 DELF/DALF 60 分或雅思 6.5 及以上。",
    ),
    "首尔大学学期交换项目": (
        ELIGIBILITY[Region.INTERNATIONAL],
        "建议韩国语能力考试 TOPIK 150 分或雅思 6.0 及以上。",
    ),
}


def prose(title, region):
    """(申请条件, 语言要求) as the program's page states them in words."""
    return PROSE.get(title, (ELIGIBILITY[region], LANGUAGE_REQUIREMENT[region]))


STUDENTS = [
    {
        "username": "2023301000001",
        "profile": {
            "name": "张晓明",
            "name_en": "Zhang Xiaoming",
            "gender": Gender.MALE,
            "school": "计算机学院",
            "major": "计算机科学与技术",
            "degree_level": DegreeLevel.UNDERGRADUATE,
            "enrollment_year": 2023,
            "phone": "13800138001",
            "email": "zhangxm@example.edu.cn",
            "gpa": Decimal("3.62"),
        },
    },
    {
        "username": "2024202000002",
        "profile": {
            "name": "李雨桐",
            "name_en": "Li Yutong",
            "gender": Gender.FEMALE,
            "school": "经济与管理学院",
            "major": "金融学",
            "degree_level": DegreeLevel.MASTER,
            "enrollment_year": 2024,
            "gpa": Decimal("3.45"),
        },
    },
    {"username": "2022301000003", "profile": {"name": "王可欣"}},
]

STAFF = [
    {
        "username": "intl_clerk",
        "first_name": "国际交流部",
        "last_name": "审核员",
        "region": Region.INTERNATIONAL,
    },
    {
        "username": "hmt_clerk",
        "first_name": "港澳台办",
        "last_name": "审核员",
        "region": Region.HMT,
    },
    # The international office's head: a clerk who may also 撤销审核.
    {
        "username": "intl_head",
        "first_name": "国际交流部",
        "last_name": "负责人",
        "region": Region.INTERNATIONAL,
        "head": True,
    },
]


# The university's calendar: (first day, last day, the term's name, how long). An autumn
# term runs into January; a program applied for now starts in the first such term after
# its deadline and the partner school's nomination (TERM_LEAD).
TERMS = {
    "autumn": ((9, 1), (1, 15), "{y}-{y1}学年秋季学期", "一学期"),
    "spring": ((2, 23), (6, 30), "{y}年春季学期", "一学期"),
    "year": ((9, 1), (6, 30), "{y}-{y1}学年", "一学年"),
    "summer": ((7, 6), (8, 14), "{y}年暑期", "六周"),
    "short": ((7, 13), (8, 7), "{y}年暑期", "四周"),
}
TERM_LEAD = timedelta(days=30)


def term_of(title, index):
    """Which kind of term a demo program is, by what its title says."""
    if "暑期" in title:
        return "summer"
    if "短期" in title or "实习" in title:
        return "short"
    if "学年" in title:
        return "year"
    if "春季" in title:
        return "spring"
    if "秋季" in title:
        return "autumn"
    return "spring" if index % 2 else "autumn"


def term_dates(kind, year):
    """(start, end, name, duration) of the `kind` term beginning in `year`."""
    (start_month, start_day), (end_month, end_day), name, duration = TERMS[kind]
    start = date(year, start_month, start_day)
    end = date(year + ((end_month, end_day) < (start_month, start_day)), end_month, end_day)
    return start, end, name.format(y=year, y1=year + 1), duration


def next_term(kind, after):
    """The first `kind` term that begins after the day `after`."""
    year = after.year
    while (term := term_dates(kind, year))[0] <= after:
        year += 1
    return term


def last_term(kind, before):
    """The last `kind` term that ended before the day `before`."""
    year = before.year
    while (term := term_dates(kind, year))[1] >= before:
        year -= 1
    return term


def window(state, now, index):
    """(opens_at, closes_at) of the `index`-th demo program in `state`, around `now`."""
    if state == "open":
        return now - timedelta(days=10 + index), now + timedelta(days=7 + 6 * index)
    if state == "upcoming":
        return now + timedelta(days=5 + 3 * index), now + timedelta(days=35 + 3 * index)
    return now - timedelta(days=60 + 5 * index), now - timedelta(days=3 + 4 * index)


def _language(*alternatives, required=True):
    return [
        {"kind": "language", "language_test": test, "minimum": Decimal(score), "required": required}
        for test, score in alternatives
    ]


# 申请条件 as partner schools state them (apps.programs.requirements): the language tests
# accepted (any one), degree levels, year of study, GPA, colleges or majors; each a hint
# or, where marked, checked at 提交. Programs not named get their track's default.
REQUIREMENTS = {
    "东京大学本科生交换项目": [
        *_language(("jlpt", "100"), ("ielts", "6.5"), ("toefl", "85")),
        {"kind": "degree", "degree_level": "undergraduate", "required": True},
        {"kind": "year", "minimum": Decimal(2)},
        {"kind": "gpa", "minimum": Decimal("3.0")},
    ],
    "新加坡国立大学学期交流项目": [
        *_language(("ielts", "6.5"), ("toefl", "90")),
        {"kind": "year", "minimum": Decimal(2), "required": True},
        {"kind": "gpa", "minimum": Decimal("3.3")},
    ],
    "多伦多大学暑期研修项目": _language(("ielts", "6.5"), ("toefl", "90"), required=False),
    "墨尔本大学学期交换项目": [
        *_language(("ielts", "6.5"), ("toefl", "79")),
        {"kind": "major", "names": "临床医学、口腔医学", "excluded": True, "required": True},
    ],
    "慕尼黑工业大学工科交换项目": [
        *_language(("testdaf", "16"), ("ielts", "6.5")),
        {"kind": "college", "names": "计算机学院、机械工程学院、电气与电子工程学院"},
    ],
    "巴黎萨克雷大学研究生交流项目": [
        {"kind": "degree", "degree_level": "master", "required": True},
        {"kind": "degree", "degree_level": "doctorate", "required": True},
        *_language(("delf", "60"), ("ielts", "6.5"), required=False),
    ],
    "首尔大学学期交换项目": _language(("topik", "150"), ("ielts", "6.0"), required=False),
}
DEFAULT_REQUIREMENTS = {
    Region.INTERNATIONAL: [
        *_language(("ielts", "6.5"), ("toefl", "90")),
        {"kind": "year", "minimum": Decimal(2)},
    ],
    Region.HMT: [
        {"kind": "degree", "degree_level": "undergraduate"},
        {"kind": "degree", "degree_level": "master"},
        {"kind": "year", "minimum": Decimal(2)},
    ],
}
