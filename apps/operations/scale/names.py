"""What seed_scale makes, and in what proportions: the seeded rows' marks (a program's
contact, the accounts' usernames), the vocabulary of names and places, and how the
applications' statuses and admission results are spread."""

from apps.applications.models import AdmissionResult, LanguageTest, Status
from apps.programs.models import Region

# Seeded rows are recognisable: programs by their contact, accounts by their usernames.
SEED_CONTACT = "exchange-office@scale.example.edu"
STUDENT_PREFIX = "99"  # 学号 99xxxxxxxxxxx: 13 digits like the real ones, never issued
CLERKS = {
    "scale_intl_clerk": Region.INTERNATIONAL,
    "scale_hmt_clerk": Region.HMT,
}
SUPERUSER = "scale_admin"
DEFAULT_PASSWORD = "scale-pass-2026"
BATCH_STUDENTS = 5000
ORIGINALS_PER_KIND = 16

PARTNERS = {
    Region.INTERNATIONAL: [
        ("东京大学", "日本"),
        ("京都大学", "日本"),
        ("新加坡国立大学", "新加坡"),
        ("多伦多大学", "加拿大"),
        ("墨尔本大学", "澳大利亚"),
        ("莫纳什大学", "澳大利亚"),
        ("慕尼黑工业大学", "德国"),
        ("巴黎萨克雷大学", "法国"),
        ("加州大学伯克利分校", "美国"),
        ("曼彻斯特大学", "英国"),
        ("首尔大学", "韩国"),
        ("哥本哈根大学", "丹麦"),
        ("苏黎世联邦理工学院", "瑞士"),
        ("阿姆斯特丹大学", "荷兰"),
        ("隆德大学", "瑞典"),
    ],
    Region.HMT: [
        ("香港大学", "中国香港"),
        ("香港中文大学", "中国香港"),
        ("香港科技大学", "中国香港"),
        ("香港城市大学", "中国香港"),
        ("香港理工大学", "中国香港"),
        ("澳门大学", "中国澳门"),
        ("澳门科技大学", "中国澳门"),
        ("台湾大学", "中国台湾"),
        ("台湾清华大学", "中国台湾"),
        ("政治大学", "中国台湾"),
        ("成功大学", "中国台湾"),
    ],
}
KINDS = ["学期交换项目", "暑期研修项目", "学年交换项目", "短期访学项目", "科研实习项目"]
TERMS = ["春季学期", "秋季学期", "暑期", "学年"]
SCHOOLS = {
    "计算机学院": ["计算机科学与技术", "软件工程", "人工智能"],
    "外国语学院": ["英语", "日语", "法语"],
    "经济与管理学院": ["金融学", "会计学", "工商管理"],
    "法学院": ["法学", "知识产权"],
    "物理学院": ["物理学", "应用物理学"],
    "生命科学学院": ["生物科学", "生物技术"],
}
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何林罗高"
GIVEN = ["晓明", "雨桐", "可欣", "子涵", "浩然", "思远", "佳怡", "一诺", "宇航", "欣怡", "俊杰"]
PINYIN = dict(
    zip(
        SURNAMES,
        [
            "Wang",
            "Li",
            "Zhang",
            "Liu",
            "Chen",
            "Yang",
            "Huang",
            "Zhao",
            "Wu",
            "Zhou",
            "Xu",
            "Sun",
            "Ma",
            "Zhu",
            "Hu",
            "Guo",
            "He",
            "Lin",
            "Luo",
            "Gao",
        ],
        strict=True,
    )
)
SCORES = {
    LanguageTest.IELTS: ["6.0", "6.5", "7.0", "7.5"],
    LanguageTest.TOEFL: ["88", "95", "102", "110"],
    LanguageTest.CET6: ["480", "525", "560", "610"],
    LanguageTest.JLPT: ["120", "140", "160"],
}
# What happens to applications, in proportion (drafts and decisions as in a busy season).
STATUS_WEIGHTS = {
    Status.DRAFT: 15,
    Status.SUBMITTED: 35,
    Status.RETURNED: 5,
    Status.APPROVED: 25,
    Status.REJECTED: 10,
    Status.WITHDRAWN: 10,
}
RESULT_WEIGHTS = {
    AdmissionResult.PENDING: 4,
    AdmissionResult.ADMITTED: 4,
    AdmissionResult.NOT_ADMITTED: 2,
}
