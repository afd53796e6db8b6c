"""Chinese and Japanese topics: classical literature, library science, the smart-library
study the project is built around, and a bilingual book on reading promotion."""

from __future__ import annotations

from experience_server.demo.topics import Figure, Topic


def topics() -> list[Topic]:
    return [
        _classics(),
        _tang_song(),
        _europe_zh(),
        _library_zh(),
        _smart_library(),
        _calculus_zh(),
        _promotion_zh(),
        _promotion_en(),
        _modern_ja(),
        _library_ja(),
    ]


def _classics() -> Topic:
    return Topic(
        key="zh-classics",
        voice="zh-lit",
        slots={
            "author": (
                "屈原",
                "陶渊明",
                "李白",
                "杜甫",
                "苏轼",
                "李清照",
                "曹雪芹",
                "司马迁",
                "吴承恩",
            ),
            "work": (
                "诗经",
                "楚辞",
                "史记",
                "红楼梦",
                "西游记",
                "水浒传",
                "三国演义",
                "唐诗三百首",
            ),
            "character": ("贾宝玉", "林黛玉", "孙悟空", "诸葛亮", "宋江", "王熙凤"),
            "scene": ("初进贾府", "大闹天宫", "三顾茅庐", "荷锄葬花", "在大观园题对额"),
            "theme": (
                "家国情怀",
                "人生无常",
                "自然山水",
                "仕与隐",
                "礼与情",
                "历史兴亡",
                "友情",
                "思乡",
                "民间生活",
                "理想人格",
            ),
            "place": ("长安", "金陵", "江南", "大观园", "赤壁", "桃花源"),
            "critic": ("王国维", "鲁迅", "胡适", "钱锺书", "清代的评点家", "今天的研究者"),
            "device": ("比兴", "对仗", "白描", "章回体", "评点", "用典"),
            "era": ("唐代", "宋代", "明清", "晚清", "今天"),
        },
        chapters=(
            "先秦诗歌：诗经与楚辞",
            "史传文学：史记",
            "魏晋风度与陶渊明",
            "唐诗的高峰",
            "宋词的婉约与豪放",
            "元曲与戏剧",
            "明清小说",
            "红楼梦导读",
        ),
        figures=(
            Figure(
                "timeline",
                "中国古典文学主要作品年表",
                ("诗经", "史记", "陶渊明", "李白", "红楼梦"),
                (-600, -91, 400, 750, 1760),
            ),
            Figure(
                "network", "红楼梦主要人物关系", ("宝玉", "黛玉", "宝钗", "王熙凤", "贾母", "袭人")
            ),
            Figure("bar", "各时期作品数量（课程选篇）", ("先秦", "汉", "唐", "宋", "明清")),
        ),
        openings=(
            "关关雎鸠，在河之洲。窈窕淑女，君子好逑。（《诗经·周南·关雎》）",
            "学而时习之，不亦说乎？有朋自远方来，不亦乐乎？（《论语·学而》）",
        ),
    )


def _tang_song() -> Topic:
    return Topic(
        key="zh-tang-song",
        voice="zh-lit",
        slots={
            "author": (
                "李白",
                "杜甫",
                "王维",
                "白居易",
                "李商隐",
                "苏轼",
                "柳永",
                "李清照",
                "辛弃疾",
            ),
            "work": (
                "静夜思",
                "春望",
                "山居秋暝",
                "长恨歌",
                "锦瑟",
                "念奴娇·赤壁怀古",
                "雨霖铃",
                "声声慢",
            ),
            "character": ("诗人", "抒情主人公", "游子", "思妇"),
            "scene": ("登高望远", "月下独酌", "在江边送别友人", "夜泊秦淮"),
            "theme": ("思乡", "送别", "边塞", "山水田园", "怀古", "闺怨", "人生感慨", "家国之思"),
            "place": ("长安", "洛阳", "扬州", "黄州", "西湖", "长江"),
            "critic": ("严羽", "王国维", "叶嘉莹", "清代的选家", "今天的研究者"),
            "device": ("比兴", "对仗", "用典", "借景抒情", "平仄格律"),
            "era": ("盛唐", "中唐", "北宋", "南宋", "今天"),
        },
        chapters=(
            "唐诗概说",
            "盛唐气象：李白与杜甫",
            "山水田园诗",
            "中晚唐诗歌",
            "宋词概说",
            "婉约词",
            "豪放词",
        ),
        figures=(
            Figure(
                "timeline",
                "唐宋主要诗人生卒年表",
                ("李白", "杜甫", "白居易", "苏轼", "李清照"),
                (701, 712, 772, 1037, 1084),
            ),
            Figure("bar", "选篇中各题材所占数量", ("思乡", "送别", "边塞", "山水", "怀古")),
        ),
        openings=("床前明月光，疑是地上霜。举头望明月，低头思故乡。（李白《静夜思》）",),
    )


def _europe_zh() -> Topic:
    return Topic(
        key="zh-europe",
        voice="zh-lit",
        slots={
            "author": (
                "但丁",
                "塞万提斯",
                "莎士比亚",
                "歌德",
                "简·奥斯汀",
                "福楼拜",
                "托尔斯泰",
                "雨果",
            ),
            "work": (
                "神曲",
                "堂吉诃德",
                "浮士德",
                "傲慢与偏见",
                "包法利夫人",
                "安娜·卡列尼娜",
                "悲惨世界",
                "哈姆雷特",
            ),
            "character": ("浮士德", "堂吉诃德", "桑丘", "伊丽莎白", "爱玛", "安娜", "冉阿让"),
            "scene": ("与魔鬼订约", "大战风车", "第一次拒绝求婚", "在舞会上跳舞", "在火车站出现"),
            "theme": (
                "人文主义",
                "理想与现实",
                "个人与社会",
                "爱情与婚姻",
                "宗教与救赎",
                "浪漫主义",
                "现实主义",
                "知识的界限",
            ),
            "place": ("佛罗伦萨", "拉曼恰", "魏玛", "巴黎", "莫斯科", "伦敦"),
            "critic": ("别林斯基", "勃兰兑斯", "朱光潜", "今天的研究者"),
            "device": ("第一人称叙事", "自由间接引语", "讽刺", "戏中戏", "书信体"),
            "era": ("十九世纪", "二十世纪初", "五四时期", "今天"),
        },
        chapters=(
            "但丁与《神曲》",
            "塞万提斯与《堂吉诃德》",
            "歌德与《浮士德》",
            "奥斯汀的小说世界",
            "福楼拜与现实主义",
            "托尔斯泰",
            "欧洲文学在中国",
        ),
        figures=(
            Figure(
                "timeline",
                "本书所选名著出版年代",
                ("神曲", "堂吉诃德", "浮士德", "包法利夫人", "安娜·卡列尼娜"),
                (1320, 1605, 1808, 1857, 1878),
            ),
            Figure(
                "network",
                "名著之间的影响关系",
                ("但丁", "塞万提斯", "歌德", "福楼拜", "托尔斯泰", "奥斯汀"),
            ),
        ),
    )


def _library_zh() -> Topic:
    return Topic(
        key="zh-library",
        voice="zh-sci",
        slots={
            "field": ("图书馆学",),
            "concept": (
                "文献资源建设",
                "分类法",
                "主题词表",
                "机读目录",
                "读者服务",
                "信息素养教育",
                "馆藏评价",
                "参考咨询",
                "索书号",
                "流通统计",
            ),
            "law": ("阮冈纳赞的图书馆学五定律", "最省力法则", "布拉德福定律"),
            "application": ("馆藏建设", "读者教育", "书目检索", "馆际互借"),
            "skill": ("编制索书号", "使用主题词表", "统计借阅数据"),
        },
        chapters=(
            "图书馆的产生与发展",
            "图书馆学的研究对象",
            "文献资源建设",
            "文献分类与编目",
            "读者服务",
            "图书馆自动化与数字化",
            "图书馆管理",
            "图书馆学教育",
        ),
        figures=(
            Figure(
                "tree",
                "中国图书馆分类法基本大类（节选）",
                ("中图法", "哲学社科", "自然科学", "综合", "B", "I", "O", "T", "Z", "G"),
            ),
            Figure("flow", "图书从采访到上架的流程", ("采访", "验收", "编目", "加工", "上架")),
            Figure("bar", "各类图书年借阅量", ("文学", "历史", "数学", "物理", "图书馆学")),
        ),
        worked="library-zh",
    )


def _smart_library() -> Topic:
    return Topic(
        key="zh-smart-library",
        voice="zh-sci",
        slots={
            "field": ("智慧图书馆建设",),
            "concept": (
                "资源服务",
                "研究专题服务",
                "智慧体验服务",
                "大数据分析",
                "自助服务",
                "RFID智能书架",
                "人脸识别门禁",
                "3D图书阅读",
                "虚拟现实阅览空间",
                "借阅率分析",
                "馆内导航",
                "分级权限管理",
                "读者隐私保护",
                "电子资源知识产权保护",
            ),
            "law": ("以读者为中心的服务原则", "资源共建共享原则", "安全与隐私并重原则"),
            "application": (
                "欧洲文学专题阅览区",
                "智能黑板课堂",
                "移动端阅读",
                "热门图书推荐",
                "采访决策",
            ),
            "skill": ("设计服务流程", "分析借阅数据", "评估服务效果"),
        },
        chapters=(
            "智慧图书馆的内涵",
            "资源服务",
            "研究专题服务",
            "智慧体验服务",
            "大数据分析服务",
            "自助服务",
            "保障体系：权限、安全与隐私",
            "结论与展望",
        ),
        figures=(
            Figure(
                "flow",
                "高校智慧图书馆五大服务",
                ("资源服务", "专题服务", "体验服务", "数据分析", "自助服务"),
            ),
            Figure(
                "bar", "各服务的读者满意度（调查样本）", ("资源", "专题", "体验", "分析", "自助")
            ),
            Figure(
                "tree",
                "智慧图书馆服务体系",
                (
                    "智慧服务",
                    "资源",
                    "体验",
                    "保障",
                    "纸电一体",
                    "专题",
                    "VR阅读",
                    "导航",
                    "权限",
                    "隐私",
                ),
            ),
        ),
        worked="library-zh",
    )


def _calculus_zh() -> Topic:
    return Topic(
        key="zh-calculus",
        voice="zh-sci",
        slots={
            "field": ("高等数学",),
            "concept": ("极限", "导数", "积分", "微分", "连续性", "泰勒公式", "定积分", "不定积分"),
            "law": ("牛顿—莱布尼茨公式", "拉格朗日中值定理", "洛必达法则"),
            "application": ("变速直线运动", "面积与体积的计算", "最优化问题", "经济学中的边际分析"),
            "skill": ("求导数", "计算定积分", "求极限"),
        },
        chapters=(
            "函数与极限",
            "导数与微分",
            "微分中值定理",
            "不定积分",
            "定积分",
            "定积分的应用",
            "微分方程初步",
        ),
        figures=(
            Figure("line", "函数 y = x² 的图像及其在 x = 1 处的切线", ("parabola",)),
            Figure("bar", "用六个矩形近似曲边梯形的面积", ("1", "2", "3", "4", "5", "6")),
        ),
        worked="calculus-zh",
    )


def _promotion_zh() -> Topic:
    return Topic(
        key="zh-promotion",
        voice="zh-sci",
        slots={
            "field": ("阅读推广",),
            "concept": (
                "经典阅读",
                "读书会",
                "阅读推广活动",
                "书目推荐",
                "数字阅读",
                "阅读空间",
                "借阅排行",
            ),
            "law": ("以读者为中心的原则", "分级阅读原则"),
            "application": ("新生入馆教育", "世界读书日活动", "课程阅读清单", "专题书展"),
            "skill": ("策划活动", "撰写导读", "统计参与数据"),
        },
        chapters=("高校阅读推广的现状", "经典阅读与课程结合", "数字阅读与沉浸式体验"),
        figures=(
            Figure("bar", "各学院参与读书会的人数", ("文学院", "理学院", "工学院", "医学院")),
        ),
        worked="library-zh",
    )


def _promotion_en() -> Topic:
    return Topic(
        key="en-promotion",
        voice="en-sci",
        slots={
            "field": ("reading promotion",),
            "concept": (
                "a reading club",
                "a curated reading list",
                "a book display",
                "digital reading",
                "a reading space",
                "a loan ranking",
            ),
            "law": ("the reader-centred principle", "Ranganathan's second law"),
            "application": (
                "first-year orientation",
                "World Book Day",
                "course reading lists",
                "exhibitions of the special collections",
            ),
            "skill": (
                "planning events",
                "writing short introductions to books",
                "counting participation",
            ),
            "adj": ("key", "practical", "simple"),
        },
        chapters=(
            "Why Promote Reading at University?",
            "Classics in the Curriculum",
            "Reading Together in Virtual Rooms",
        ),
        figures=(
            Figure(
                "flow", "A reading-club cycle", ("choose", "announce", "read", "discuss", "review")
            ),
        ),
        worked="library",
    )


def _modern_ja() -> Topic:
    return Topic(
        key="ja-modern",
        voice="ja-lit",
        slots={
            "author": ("夏目漱石", "森鷗外", "二葉亭四迷", "芥川龍之介", "永井荷風"),
            "work": ("吾輩は猫である", "舞姫", "浮雲", "三四郎", "こころ", "羅生門"),
            "character": ("主人公", "三四郎", "先生", "豊太郎", "語り手の猫"),
            "scene": (
                "東京に着く",
                "ベルリンの街を歩く",
                "図書館で本を探す",
                "長い手紙を書く",
                "ロンドンの下宿で本を読む",
            ),
            "theme": (
                "近代",
                "個人",
                "翻訳",
                "西洋",
                "孤独",
                "恋愛",
                "自我",
                "言文一致",
                "留学",
                "都市",
            ),
            "place": ("ロンドン", "ベルリン", "東京", "パリ"),
            "critic": ("正宗白鳥", "小林秀雄", "ある研究者", "同時代の批評家"),
            "device": ("一人称の語り", "書簡体", "翻訳調の文体", "風刺", "回想の枠組み"),
        },
        chapters=(
            "翻訳と近代小説",
            "留学体験とヨーロッパ",
            "ロンドンの漱石",
            "ベルリンの鷗外",
            "言文一致の試み",
            "都市と孤独",
        ),
        figures=(
            Figure(
                "timeline",
                "近代小説の主な作品",
                ("浮雲", "舞姫", "吾輩は猫である", "三四郎", "こころ"),
                (1887, 1890, 1905, 1908, 1914),
            ),
            Figure(
                "network",
                "作家とヨーロッパの都市",
                ("漱石", "鷗外", "荷風", "ロンドン", "ベルリン", "パリ"),
            ),
        ),
        openings=("吾輩は猫である。名前はまだ無い。（夏目漱石『吾輩は猫である』1905年）",),
    )


def _library_ja() -> Topic:
    return Topic(
        key="ja-library",
        voice="ja-sci",
        slots={
            "field": ("図書館情報学",),
            "concept": (
                "目録",
                "分類",
                "件名標目",
                "レファレンスサービス",
                "資料選択",
                "図書館の自由",
                "電子資料",
                "利用者教育",
                "請求記号",
            ),
            "law": ("ランガナタンの図書館学の五法則", "最小努力の原則"),
            "application": ("大学図書館", "学校図書館", "オンライン目録", "読書推進"),
            "skill": ("請求記号の付与", "件名の選択", "貸出統計の読み方"),
        },
        chapters=(
            "図書館とは何か",
            "資料と情報",
            "目録と分類",
            "利用者サービス",
            "図書館の情報化",
            "これからの図書館",
        ),
        figures=(
            Figure("flow", "資料が書架に並ぶまで", ("選書", "発注", "受入", "目録", "配架")),
            Figure("bar", "分野別の年間貸出冊数", ("文学", "歴史", "数学", "物理")),
        ),
        worked="library-ja",
    )
