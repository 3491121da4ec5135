"""Chinese bylines and labelled credit lines: who reported, who helped, who edited, who published.

Forms read (Simplified and Traditional spellings alike):

- a dateline byline opening the first paragraph: `本报讯（记者 张三 通讯员 李四 王五）`,
  `湖南日报8月5日讯（记者 张三）`, `新华社北京8月5日电（记者 张三、李四）`,
  `本報訊(法制周報·新湖南見習記者 杜巧巧 通訊員 孔奕 劉彬)` — the head names the outlet (本报 names none);
- a credit opening or closing a paragraph: `本报记者 张三 李四`, `□ 记者 张三`, `文/张三`,
  `（记者 张三 通讯员 李四）`, `（总台记者 张三）`, a bare `（张三）` closing the article;
- labelled fields: `作者：张三`, `责任编辑：李四` / `責編:萬丹` / `编辑：王五`, `来源：法治日报`.

Roles are never mixed up: 记者 (and 见习记者 / 实习生, who are also marked as trainees) are authors,
通讯员 are correspondents, 编辑 is the editor, 来源 is the source outlet — never an author — and a
name followed by 摄 is a photographer, who belongs to an image credit, not to the authors.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import lru_cache

from newscrawl.clean import strip_inline_pinyin, to_simplified

# --- names ------------------------------------------------------------------------------------

# The common Chinese surnames (Simplified; Traditional ones are checked through OpenCC). Used only
# where nothing but position says a word is a name — a bare `（张三）` closing an article, the
# second and later names after `作者：` — so that `（完）` or `（新华社）` are not taken for people.
_SURNAMES = set(
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何林高罗郑梁谢宋唐许韩冯邓曹彭曾肖萧田董潘袁蔡蒋余于杜叶程魏苏吕丁任"
    "卢姚沈钟姜崔谭陆范汪廖石金韦贾夏付傅方邹熊白孟秦邱侯江尹薛闫段雷龙黎史陶贺毛郝顾龚邵万覃武钱戴严"
    "欧莫孔向常汤康易乔赖文施洪辛柯庄伍樊翟齐童殷聂焦牛安喻葛左纪申温耿关包兰阎岳柴满戚凌霍车卜尚倪"
    "鲁宁苗路俞彦蓝祝谷甘仇邢滕黑麦颜詹巩阮裴单荣骆季宫邬冉隋米解栾花娄房应强鞠时池危谌揭党盛习商屈"
    "全佟景鲍巫蒙项冷卫华柳岑宗虞窦臧郎艾苑桂靳封敖饶符丘储钮甄冀芦门凤乐舒鄂伊阳燕茅芮郁司费游靖"
    "练晏晋粟祁计伏刁邝翁梅涂明经浦边税闵衡桑相官简扈慕褚楚谈蔺牟亓尤习郜訾逄缪卓迟植贝幸从韶寇"
    "计曲都茹蒲廉修佘那候汲鄢芦操旷禹来原利苟奚皮邸母佀荆缑栗晁鄂山风林柏井农勾帅智索居"
    "衣展扬师谯种税鞠酆羊褚宿阙蹇寿银镇过普朴玉代仲"
)
_COMPOUND_SURNAMES = (
    "欧阳",
    "司马",
    "上官",
    "诸葛",
    "东方",
    "皇甫",
    "尉迟",
    "公孙",
    "慕容",
    "令狐",
    "长孙",
    "宇文",
    "司徒",
    "夏侯",
    "轩辕",
    "端木",
    "独孤",
    "南宫",
    "西门",
    "百里",
    "呼延",
    "澹台",
    "万俟",
    "申屠",
    "钟离",
    "闻人",
    "赫连",
)
_HAN = "\u4e00-\u9fff\u3400-\u4dbf"
_HAN_RUN = re.compile(f"^[{_HAN}]+$")
_MINORITY_NAME = re.compile(f"^[{_HAN}]{{1,8}}(?:[·•・.．][{_HAN}]{{1,8}}){{1,3}}$")
_LATIN_NAME = re.compile(r"^[A-Za-z][A-Za-z0-9_.\-]{1,24}$")
# Words that sit where names sit but are not names: roles, verbs of reporting, placeholders.
_NOT_NAMES = frozenset(
    (
        "记者",
        "記者",
        "通讯员",
        "通訊員",
        "编辑",
        "編輯",
        "责编",
        "責編",
        "本报",
        "本報",
        "来源",
        "來源",
        "作者",
        "报道",
        "報道",
        "摄影",
        "攝影",
        "供图",
        "供圖",
        "图片",
        "圖片",
        "综合",
        "整合",
        "编写",
        "編寫",
        "采访",
        "採訪",
        "綜合",
        "整理",
        "发布",
        "發布",
        "发表",
        "發表",
        "编译",
        "編譯",
        "联合",
        "聯合",
        "实习",
        "實習",
        "见习",
        "見習",
        "采写",
        "採寫",
        "文字",
        "校对",
        "校對",
        "审核",
        "審核",
        "制图",
        "製圖",
        "视频",
        "視頻",
        "设计",
        "設計",
        "策划",
        "策劃",
        "监制",
        "監製",
        "统筹",
        "統籌",
        "主编",
        "主編",
        "转载",
        "轉載",
        "未知",
        "佚名",
        "匿名",
        "不详",
        "不詳",
        "网友",
        "網友",
        "小编",
        "小編",
        "admin",
        "管理员",
        "管理員",
        "编者",
        "編者",
        "报社",
        "報社",
        "本台",
        "本网",
        "本網",
        "完",
        "待续",
        "待續",
        "未完",
        "特约",
        "特約",
        "首席",
        "社论",
        "社論",
        "评论",
        "評論",
        "综述",
        "綜述",
        "短评",
        "短評",
        "时评",
        "時評",
        "快讯",
        "快訊",
        "简讯",
        "簡訊",
        "特稿",
        "专访",
        "專訪",
        "图文",
        "圖文",
        "独家",
        "獨家",
        "专题",
        "專題",
        "导读",
        "導讀",
        "摘要",
        "前言",
        "引言",
        "附件",
        "附录",
        "附錄",
        "相关",
        "相關",
        "目录",
        "目錄",
        "正文",
        "全文",
        "关闭",
        "關閉",
        "打印",
        "推荐",
        "推薦",
        "收藏",
        "返回",
        "分享",
        "字体",
        "字體",
        "顶部",
        "頂部",
        "首页",
        "首頁",
        "登录",
        "登錄",
        "注册",
        "註冊",
        "搜索",
        "更多",
        "上一页",
        "下一页",
        "北京",
        "上海",
        "天津",
        "重庆",
        "長沙",
        "长沙",
        "湖南",
        "广州",
        "廣州",
        "深圳",
        "武汉",
        "武漢",
        "南京",
        "杭州",
        "成都",
        "西安",
        "郑州",
        "鄭州",
        "新华社",
        "新華社",
        "中新社",
        "人民网",
        "人民網",
        "新华网",
        "新華網",
        "央视网",
        "央視網",
        "光明网",
        "光明網",
    )
)
_ORG_SUFFIX = re.compile(
    r"(?:网|網|报|報|社|台|局|院|部|委|会|會|厅|廳|处|處|所|办|辦|站|刊|署|司|队|隊|团|團|组|組|馆|館|室|庭|科|股|府"
    r"|中心|公司|集团|集團|频道|頻道|新闻|新聞|客户端|客戶端|杂志|雜誌|大学|大學|学院|學院|协会|協會|平台|机关|機關"
    r"|媒体|媒體|传媒|傳媒|日报|日報|晚报|晚報|时报|時報|周刊|週刊|在线|在線|资讯|資訊|观察|觀察|网络|網絡|科技|集团)$"
)
_FUNCTION_CHARS = re.compile(
    "[的了是在和与與及对對将將把被从從为為等说說讲講称稱这這那个個们們日月年时時分号號于於]"
)
_ORG_INSIDE = re.compile(r"新闻|新聞|网|網|报|報|社|台|频道|頻道|中心|公司|记者|記者|编辑|編輯|政府|法院")
_NAME_SEPARATORS = re.compile(r"[\s、，,;；/／|｜]+")


@lru_cache(maxsize=4096)
def _surname_ok(token: str) -> bool:
    simplified = to_simplified(token[:2])
    return simplified[:2] in _COMPOUND_SURNAMES or simplified[:1] in _SURNAMES


def is_name(token: str, *, strict: bool = False) -> bool:
    """Whether `token` can be a person's name.

    Relaxed (a role word or label stands before it): 2-6 Han characters, a minority name with `·`,
    or a Latin user name. Strict (only position says so): 2-3 Han characters (4 with a compound
    surname) starting with a common surname, or a minority name."""
    if not token or token in _NOT_NAMES:
        return False
    if _MINORITY_NAME.match(token):
        return len(token) <= 20
    if _HAN_RUN.match(token):
        if _ORG_SUFFIX.search(token) and len(token) >= 3:
            return False
        if strict:
            longest = 4 if to_simplified(token[:2]) in _COMPOUND_SURNAMES else 3
            return 2 <= len(token) <= longest and _surname_ok(token) and not _FUNCTION_CHARS.search(token[1:])
        if len(token) > 4 and _ORG_INSIDE.search(token):
            return False  # `青网新闻张毅`: an outlet and a name run together
        return 2 <= len(token) <= 6 and not (len(token) > 3 and _FUNCTION_CHARS.search(token))
    if strict:
        return False
    return bool(_LATIN_NAME.match(token)) and not token.lower().startswith(("http", "www"))


def _trim_token(token: str) -> str:
    # `马俊峰/文`, `张三报道`, `【张三】`: the credit's own words around a name.
    token = token.strip("【】[]()（）〔〕<>《》「」“”\"'.,，。:：;；!！?？□■●◆▲△★☆·")
    for suffix in (
        "/文",
        "／文",
        "/图",
        "／圖",
        "报道",
        "報道",
        "采写",
        "採寫",
        "整理",
        "撰文",
        "执笔",
        "執筆",
    ):
        if token.endswith(suffix) and len(token) > len(suffix) + 1:
            token = token[: -len(suffix)]
    return token


_TOKEN = re.compile(r"[^\s、，,;；/／|｜:：]+")
_NAME_THEN_DIGITS = re.compile(rf"^([{_HAN}·]{{2,}})\d")
_PROSE_AFTER = set("，,。；;：:！？!?…")


def split_names(
    text: str, *, strict: bool = False, strict_after_first: bool = False, prose: bool = False
) -> list[str]:
    """Names at the head of `text`, up to the first word that is not one.

    `strict_after_first`: the first name is taken relaxed (a label or role word precedes it), later
    ones strict — `作者：宋怡 杨志华 我要说说` gives [宋怡, 杨志华]. `prose`: the credit runs into the
    article text, so a word followed by sentence punctuation is text, not a name
    (`记者 王建宏 张文攀 土豆，听名字…` gives [王建宏, 张文攀])."""
    names: list[str] = []
    tokens = [(_trim_token(m.group(0)), text[m.end() : m.end() + 1]) for m in _TOKEN.finditer(text)]
    i = 0
    while i < len(tokens):
        token, after = tokens[i]
        i += 1
        if not token:
            continue
        # `张　三`: two-character names are set with a space inside to line up with three-character ones.
        if len(token) == 1 and i < len(tokens) and 1 <= len(tokens[i][0]) <= 2 and _surname_ok(token):
            joined = token + tokens[i][0]
            if _HAN_RUN.match(joined):
                token, after = joined, tokens[i][1]
                i += 1
        stop = False
        digits = _NAME_THEN_DIGITS.match(token)
        if digits:
            # `柏建斌2003-7-24`: a date set right after the last name.
            token, stop = digits.group(1), True
        if prose and after in _PROSE_AFTER:
            break
        need_strict = strict or (strict_after_first and bool(names))
        if not is_name(token, strict=need_strict):
            break
        if token not in names:
            names.append(token)
        if stop:
            break
    return names


# --- roles ------------------------------------------------------------------------------------

_TRAINEE = r"见习记者|見習記者|实习记者|實習記者|实习生|實習生"
_REPORTER = (
    r"(?:本报|本報|本台|本网|本網|本刊|特约|特約|首席|驻站|駐站|驻地|駐地|全媒体|全媒體|融媒体|融媒體|总台|總台|"
    r"摄影|攝影|法制网|法制網)?(?:记者|記者)"
)
_CORRESPONDENT = r"(?:特约|特約)?(?:通讯员|通訊員)"
_ROLE = re.compile(rf"(?P<trainee>{_TRAINEE})|(?P<reporter>{_REPORTER})|(?P<correspondent>{_CORRESPONDENT})")
_PHOTO_TAIL = re.compile(r"\s*(?:摄影|攝影|摄|攝)$")
_PHOTO_ROLE = re.compile(r"^(?:摄影|攝影)")


@dataclass
class Byline:
    """Credits read from one byline."""

    authors: list[str] = field(default_factory=list)
    """Reporters in byline order, trainees included."""
    trainees: list[str] = field(default_factory=list)
    correspondents: list[str] = field(default_factory=list)
    outlet: str | None = None
    raw: str = ""
    """The byline text as written."""

    def __bool__(self) -> bool:
        return bool(self.authors or self.correspondents)

    def add(self, role: str, name: str) -> None:
        if role == "correspondent":
            if name not in self.correspondents:
                self.correspondents.append(name)
            return
        if name not in self.authors:
            self.authors.append(name)
        if role == "trainee" and name not in self.trainees:
            self.trainees.append(name)


def _pinyin_free(text: str) -> str:
    return strip_inline_pinyin(text) if "(" in text or "（" in text else text


def parse_roles(text: str, *, prose: bool = False, strict: bool = False) -> tuple[Byline, int]:
    """`法制周报·新湖南见习记者 杜巧巧 通讯员 孔奕 刘彬` -> the credits, and where reading stopped.

    Text before the first role word is the outlet. Each role's names run to the next role word;
    names followed by 摄 are photographers and left out. `prose`: the text is not a bracketed
    byline but runs on into the article, so names after the first are checked strictly."""
    byline = Byline()
    roles = list(_ROLE.finditer(text))
    if not roles:
        return byline, 0
    head = text[: roles[0].start()].strip(" ：:，,")
    if head and head not in ("本报", "本報", "本台", "本网", "本網", "本刊"):
        byline.outlet = head
    end = roles[0].end()
    for role, nxt in zip(roles, [*roles[1:], None], strict=True):
        if role.start() > end + 1:
            break  # text between the last names and this role word: the byline ended before it
        segment = text[role.end() : nxt.start() if nxt else len(text)]
        photographer = bool(_PHOTO_ROLE.match(role.group(0)) or (not prose and _PHOTO_TAIL.search(segment)))
        if photographer:
            names = split_names(_PHOTO_TAIL.sub("", segment))
        else:
            names = split_names(segment, strict=strict, strict_after_first=prose, prose=prose)
        kind = (
            "trainee" if role.group("trainee") else "reporter" if role.group("reporter") else "correspondent"
        )
        if not photographer:
            for name in names:
                byline.add(kind, name)
        end = role.end() + _names_length(segment, names)
        if not names:
            break
    byline.raw = text[:end].strip()
    return byline, end


def _names_length(segment: str, names: list[str]) -> int:
    """How much of `segment` the names (and the separators between them) take."""
    if not names:
        return 0
    last = segment.find(names[-1])
    return last + len(names[-1]) if last >= 0 else len(segment)


# --- bylines at the start or end of a paragraph ----------------------------------------------------

_DATELINE = re.compile(
    r"^\s*(?:[【\[〔][^】\]〕]{1,24}[】\]〕]\s*)?"
    r"(?P<head>[^\s（()）【】\[\]，。,、；;：:“”\"]{1,24}?)\s*(?P<date>\d{1,2}月\d{1,2}日)?\s*(?:讯|訊|电|電|消息)"
    r"\s*[（(](?P<inner>[^（()）]{2,120})[）)]"
)
_LEADING_PAREN = re.compile(r"^\s*[（(](?P<inner>[^（()）]{2,60})[）)]")
_DATELINE_BARE = re.compile(
    r"^\s*(?P<head>[^\s（()）【】\[\]，。,、；;：:“”\"]{2,16}?)\s*(?P<date>\d{1,2}月\d{1,2}日)?\s*(?:讯|訊)(?=\s|\d)"
)
_OUTLET_PLACE = re.compile(
    rf"^(?P<outlet>.*(?:社|网|網|报|報|台|刊|端|新闻|新聞|财经|財經))(?P<place>[{_HAN}]{{2,5}})?$"
)
_SELF = ("本报", "本報", "本台", "本网", "本網", "本刊")
_LEAD_CREDIT = re.compile(
    rf"^\s*[□■●◆▲△★☆·]?\s*(?:[【\[〔][^】\]〕]{{1,24}}[】\]〕]\s*)?(?P<pre>[^\s，。,、（(:：]{{0,16}}?)\s?(?={_TRAINEE}|{_REPORTER}|{_CORRESPONDENT})"
)
_WRITER = re.compile(
    r"^\s*[□■●]?\s*(?:文|撰文|作者|文字)\s*[/／|｜:：]\s*(?:图\s*[/／]?\s*)?(?P<names>.{1,40})"
)
_CREDIT_REST = re.compile(r"^\s*(?:报道|報道|[）)]|[/／]\s*[文图圖摄攝]|(?:19|20)\d\d)")
_TRAILING_WRITER = re.compile(
    r"(?:^|[。！？!?”\s])\s*[□■●]?\s*(?:文|撰文|作者)\s*[/／|｜:：]\s*(?P<names>[^。！？，,]{1,20})$"
)
_NAMES_THEN_WRITER = re.compile(r"^\s*(?P<names>[^/／|｜]{2,24}?)\s*[/／|｜]\s*(?:文|文字|撰文)\s*$")
_TRAILING_PAREN = re.compile(r"[（(](?P<inner>[^（()）]{2,60})[）)]\s*$")
_TRAILING_CREDIT = re.compile(
    rf"(?:^|[。！？!?”\s])\s*[□■●]?\s*(?P<credit>(?:[^\s。！？，,（(]{{0,12}}?)(?:{_TRAINEE}|{_REPORTER}|{_CORRESPONDENT})\s*[^。！？，,（()）]{{2,60}})$"
)


def _outlet_of(head: str) -> str | None:
    """`新华社北京` -> 新华社, `湖南日报` -> 湖南日报, `本报长沙` -> None (本报 names no outlet)."""
    head = head.removeprefix("据").removeprefix("據").strip()
    if not head or head.startswith(_SELF):
        return None
    m = _OUTLET_PLACE.match(head)
    return m.group("outlet") if m else head


def byline_at_start(paragraph: str) -> Byline | None:
    """The byline opening a paragraph, if any (see the module docstring for the forms)."""
    text = _pinyin_free(paragraph[:200])
    m = _DATELINE.match(text)
    if m:
        byline, _ = parse_roles(m.group("inner"))
        inner_outlet = byline.outlet
        byline.outlet = inner_outlet or _outlet_of(m.group("head"))
        if not byline:
            # `（记者 张三）` without role words is rare; `新华社北京8月5日电（张三）` is not.
            names = split_names(m.group("inner"), strict=True)
            if not names:
                return None
            byline.authors = names
        byline.raw = m.group(0).strip()
        return byline
    m1 = _LEADING_PAREN.match(text)
    if m1 and _ROLE.search(m1.group("inner")):
        # `（本报记者 张三 报道）区法院……`: a bracketed credit opening the text.
        found, _ = parse_roles(m1.group("inner"))
        if found:
            found.raw = m1.group(0).strip()
            if found.outlet in _SELF:
                found.outlet = None
            return found
    m2 = _DATELINE_BARE.match(text)
    if m2 and not m2.group("head").startswith(_SELF):
        outlet = _outlet_of(m2.group("head"))
        if outlet and _OUTLET_PLACE.match(outlet):
            return Byline(outlet=outlet, raw=m2.group(0).strip())
    m3 = _LEAD_CREDIT.match(text)
    if m3 is not None and len(m3.group("pre")) <= 12:
        byline, end = parse_roles(text[m3.start("pre") :], prose=True)
        rest = text[m3.start("pre") + end :]
        # The names end the paragraph, or a space/报道/punctuation separates them from the text.
        if byline and (not rest.strip() or rest[:1].isspace() or _CREDIT_REST.match(rest)):
            byline.raw = text[: m3.start("pre") + end].strip()
            return byline
    m5 = _NAMES_THEN_WRITER.match(text) if len(text) <= 30 else None
    if m5:
        names = split_names(m5.group("names"), strict=True)
        if names:
            return Byline(authors=names, raw=m5.group(0).strip())
    m4 = _WRITER.match(text)
    if m4:
        names = split_names(m4.group("names"), strict_after_first=True, prose=True)
        if names:
            return Byline(authors=names, raw=m4.group(0).strip())
    return None


def byline_at_end(paragraph: str) -> Byline | None:
    """A credit closing a paragraph: `（记者 张三）`, `（张三 李四）`, `□ 本报记者 张三`, `文：张三`."""
    text = _pinyin_free(paragraph[-120:]).rstrip()
    m = _TRAILING_PAREN.search(text)
    if m:
        inner = m.group("inner").strip()
        byline, end = parse_roles(inner)
        if byline and not inner[end:].strip(" 　。"):
            return byline
        names = split_names(inner, strict=True)
        if names and " ".join(names) == " ".join(_NAME_SEPARATORS.split(inner.strip())):
            return Byline(authors=names, raw=m.group(0))
        return None
    m2 = _TRAILING_CREDIT.search(text)
    if m2:
        credit = m2.group("credit")
        byline, end = parse_roles(credit, prose=True, strict=True)
        pre = credit[: _ROLE.search(credit).start()] if _ROLE.search(credit) else ""  # type: ignore[union-attr]
        if byline and not credit[end:].strip() and (not pre or _OUTLET_PLACE.match(pre) or pre in _SELF):
            return byline
    m3 = _TRAILING_WRITER.search(text)
    if m3:
        names = split_names(m3.group("names"), strict_after_first=True)
        if names:
            return Byline(authors=names, raw=m3.group(0).strip())
    return None


# --- labelled fields --------------------------------------------------------------------------------

_EDITOR_LABEL = r"责任编辑|責任編輯|值班编辑|值班編輯|网络编辑|網絡編輯|网页编辑|網頁編輯|本文编辑|本文編輯|编辑|編輯|责编|責編"
_SOURCE_LABEL = r"稿件来源|稿件來源|文章来源|文章來源|新闻来源|新聞來源|信息来源|信息來源|本文来源|本文來源|来源|來源|稿源|出处|出處"
_AUTHOR_LABEL = r"作者|撰文|撰稿|文"
_OTHER_LABEL = (
    r"发布时间|發布時間|發佈時間|发布日期|發布日期|发表时间|發表時間|更新时间|更新時間|时间|時間|日期|"
    r"浏览次数|瀏覽次數|浏览量|瀏覽量|浏览|瀏覽|点击数|點擊數|点击|點擊|阅读|閱讀|字号|字號|审核|審核|校对|校對|"
    r"责任校对|責任校對|摄影|攝影|发布|發布|发文机关|發文機關|分享|分类|分類|关键词|關鍵詞|标签|標籤|热度|熱度"
)
_LABEL = re.compile(
    rf"(?<![{_HAN}])(?P<label>{_EDITOR_LABEL}|{_SOURCE_LABEL}|{_AUTHOR_LABEL}|{_OTHER_LABEL})\s*[:：]\s*"
)
_LABEL_KIND = {
    **dict.fromkeys(_EDITOR_LABEL.split("|"), "editor"),
    **dict.fromkeys(_SOURCE_LABEL.split("|"), "source"),
    **dict.fromkeys(_AUTHOR_LABEL.split("|"), "author"),
}
_VALUE_STOP = re.compile(r"\s{2,}|[|｜丨]|\s(?=[【\[（(])")
_BRACKETS = "[]【】()（）〔〕<>《》「」 "
_SOURCE_VALUE = re.compile(r"[^\s|｜丨,，;；。]{2,30}")


@dataclass
class Labels:
    """`作者：` / `编辑：` / `来源：` values found in a line."""

    authors: list[str] = field(default_factory=list)
    editor: str | None = None
    source: str | None = None
    raw: dict[str, str] = field(default_factory=dict)


_BRACKET_LABEL = re.compile(rf"[【\[〔]\s*({_EDITOR_LABEL}|{_SOURCE_LABEL}|作者)\s*[】\]〕]\s*")


def read_labels(line: str) -> Labels:
    """The labelled credits of one line (an info bar, a closing `（责任编辑：张三）`, `【作者】张三`)."""
    out = Labels()
    if "【" in line or "[" in line or "〔" in line:
        line = _BRACKET_LABEL.sub(r"\1：", line)
    if "：" not in line and ":" not in line:
        return out
    line = _pinyin_free(line)
    found = list(_LABEL.finditer(line))
    if not found:
        return out
    for m, nxt in zip(found, [*found[1:], None], strict=True):
        kind = _LABEL_KIND.get(m.group("label"))
        if kind is None:
            continue
        value = line[m.end() : nxt.start() if nxt else len(line)]
        stop = _VALUE_STOP.search(value)
        head = value[: stop.start()] if stop and kind != "author" else value
        head = head.strip().strip(_BRACKETS).strip()
        if not head:
            # `来源：[ 人民网 ]`: the value sits inside brackets after the label.
            head = value.strip().strip(_BRACKETS).split()[0] if value.strip().strip(_BRACKETS) else ""
        if kind == "editor" and out.editor is None:
            names = split_names(head.replace("，", "、"), strict_after_first=True)
            if names:
                out.editor = "、".join(names)
                out.raw["editor"] = m.group(0) + head
        elif kind == "source" and out.source is None:
            sm = _SOURCE_VALUE.match(head.strip(_BRACKETS))
            if sm and not _LABEL.match(sm.group(0)):
                out.source = sm.group(0).strip(_BRACKETS)
                out.raw["source"] = m.group(0) + head
        elif kind == "author" and not out.authors:
            if m.group("label") == "文" and m.start() > 0 and not line[m.start() - 1].isspace():
                continue
            names = split_names(head.strip(_BRACKETS), strict_after_first=True)
            if names:
                out.authors = names
                out.raw["author"] = m.group(0) + head
    return out


__all__ = [
    "Byline",
    "Labels",
    "byline_at_end",
    "byline_at_start",
    "is_name",
    "parse_roles",
    "read_labels",
    "split_names",
]
