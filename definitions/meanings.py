"""The Chinese meanings the administrator's reference (docs/definition-language.md) is
written in: every model, every key, every enumeration value, every field type and every
structural check of ``banshi definitions check``.

The models keep their English descriptions (they end up in the JSON Schema); these tables
sit beside them and a test fails when a key, a value or a check has no Chinese meaning.
The reform rules carry their own meaning and advice (definitions/rules.py).
"""

from __future__ import annotations

from enum import Enum

from definitions.models import Handling, MaterialSource, NotifyEvent, Role, StepKind
from definitions.problems import Severity

#: What each model of the language is, in one line.
MODEL_MEANINGS: dict[str, str] = {
    "ItemDefinition": "一个事项（一个版本）的完整定义：一个 JSON 文件就是一个事项。",
    "Levels": "层级与下放：哪些窗口可以受理，由谁决定。",
    "LegalBasis": "一条设定或实施依据（法律、法规、规章的条款）。",
    "Limits": "时限：法定时限与承诺时限，均以工作日计。",
    "Form": "申请表：由若干部分（section）组成。",
    "Section": "申请表的一个部分，带标题，按顺序列出字段。",
    "FormField": "申请表中的一个字段（一项填写内容）。",
    "Option": "选项字段（choice）的一个选项。",
    "Repeat": "重复分组（group）的行数限制。",
    "Material": "一项申请材料（证照、证明、图纸等）。",
    "Step": "办理流程中的一个环节；环节按顺序办理，条件不成立的环节跳过。",
    "Fee": "一项收费；没有法定依据不得收费。",
    "PerField": "按量收费：单价（最多四位小数）× 表单中某个数值字段（或后续环节核定的数量）。",
    "Tiered": "阶梯收费：按数量分档，各档单价不同；档位从 0 起连续、有序、不重叠。",
    "Tier": "阶梯收费的一档：数量在 from 以上、至 to（含）的部分。",
    "AssessedAt": "后续核定：数量在受理后的某个环节（如现场勘查）才知道，在该环节录入实际数量并核定收费。",
    "NoFee": "明示不收费（可附依据，如《行政许可法》第五十八条）。",
    "DecisionWording": "决定用语：准予与不予时在告知书、短信、办理过程和办事指南中使用的文字。",
    "Disclosure": "政务公开：办事指南、结果公示与常见问题。",
    "FaqEntry": "办事指南中的一条常见问题。",
    "Service": "服务信息：办理地点、时间、电话、网办、跑动次数、投诉渠道。",
    "Atom": "条件的基本单元：把一个字段的值与常量比较。",
    "AllOf": "“全部成立”：所列条件都成立时为真。",
    "AnyOf": "“任一成立”：所列条件至少一个成立时为真。",
    "NotOf": "“不成立”：所给条件不成立时为真。",
}

#: The meaning of each key, by model name.
KEY_MEANINGS: dict[str, dict[str, str]] = {
    "ItemDefinition": {
        "code": "事项编码：行政区划代码-部门-类别-序号（可带业务情形），全省统一、唯一。",
        "name": "事项名称，与事项目录一致。",
        "category": "事项类型（行政许可、公共服务等），取事项类型字典中的代码，见“事项类型”一节。",
        "variant": "业务情形：新设、变更、延续、注销等。",
        "handling": "办件类型：即办件、承诺件、上报件、联办件，见枚举 Handling。",
        "owner": "实施主体（主办部门），组织中的部门编号，如 `county.scjg`。",
        "summary": "事项简介，显示在办事指南开头。",
        "conditions": "申请条件，逐条列出，原样显示在办事指南中。",
        "levels": "在哪里受理、由谁决定（层级与下放）。",
        "basis": "设定和实施依据；其他键用 `ref` 引用其中的条款。",
        "limits": "法定时限与承诺时限。",
        "form": "申请表。",
        "materials": "申请材料清单。",
        "steps": "办理环节，按顺序排列。",
        "fees": "收费项目；不收费的事项不列收费项，并写明 no_fee。",
        "no_fee": "明示不收费（不能与收费项同时出现）；既不写 fees 也不写 no_fee 会得到警告。",
        "decision": "决定用语（默认“准予许可”“不予许可”；给付、公开等事项写各自的用语，如“给予最低生活保障”“予以公开”）。",
        "notify": "向申请人发送短信告知的事件，见枚举 NotifyEvent。",
        "disclosure": "公开什么：办事指南、结果公示、常见问题。",
        "service": "办理地点、时间、联系方式等服务信息。",
    },
    "Levels": {
        "accept": "可受理本事项的窗口（组织中的大厅）；`township.*` 表示下放到所有乡镇便民服务中心受理。",
        "decide": "由谁决定：`owner` 为主办部门首席代表决定；`township` 为委托受理乡镇的首席代表决定。",
    },
    "LegalBasis": {
        "ref": "条款的简短标识，供 `limits.basis`、收费的 `basis` 等引用。",
        "title": "条款的引用名称，如《中华人民共和国行政许可法》第四十二条。",
        "text": "条款原文，在办事指南中引用。",
    },
    "Limits": {
        "statutory_days": "法定时限（工作日）。",
        "promised_days": "承诺时限（工作日）；即办件为 0。不得超过法定时限的 48%（可设置）。",
        "basis": "设定法定时限的依据，填 `basis` 中某一条的 `ref`。",
        "extension_days": "首席代表说明理由后可延长的工作日数（行政许可法第四十二条：10 日）。",
        "extension_by": "有权延期的角色，默认首席代表；政府信息公开申请为部门负责人（条例第三十三条）。",
        "extension_at": "该角色所在的组织：`decider` 为作出决定的部门；联办件可写 `county`（报本级人民政府负责人批准）。",
        "extension_basis": "延期依据在 basis 中的 ref（如行政许可法第四十二条），每次延期随理由一并记录。",
        "supplement_basis": "受理后可以要求申请人补正、说明申请内容的依据在 basis 中的 ref（如政府信息公开条例第三十条）；设置后，当前环节的办理人可以要求申请人补充，等待补充的时间不计入办理时限。",
        "fallback_days": "仅限即办件：窗口不能当场办结时（记录原因）转为承诺件所适用的承诺时限（工作日），从转办之日起计时。",
    },
    "Form": {"sections": "申请表的各个部分，按顺序排列。"},
    "Section": {
        "title": "部分标题。",
        "hint": "标题下方的说明文字。",
        "fields": "本部分的字段，按顺序排列。",
    },
    "FormField": {
        "key": "字段标识（英文小写、数字、下划线），在同一层级内唯一；条件、收费、公示用它引用字段。",
        "label": "字段名称，申请人和窗口人员看到的文字。",
        "type": "字段类型（已注册的插件），见“字段类型”一节。",
        "hint": "字段下方的填写说明。",
        "required": "必填（字段显示时）。",
        "required_when": "条件成立时才必填。",
        "visible_when": "条件成立时才显示；隐藏的字段不必填，提交时其值被丢弃。",
        "min_length": "文本、多行文本：最少字数。",
        "max_length": "文本、多行文本、地址：最多字数。",
        "pattern": "文本、多行文本：值须匹配的正则表达式（RE2 语法，不支持反向引用和环视；用 `^...$` 匹配整个值）。",
        "minimum": "数值、整数、金额：最小值。",
        "maximum": "数值、整数、金额：最大值。",
        "options": "选项字段：可选的选项。",
        "multiple": "选项字段：可多选。",
        "accept": "文件上传：允许的文件类型（MIME 类型）。",
        "max_size_mb": "文件上传：单个文件最大兆字节数。",
        "fields": "重复分组：每一行包含的字段。",
        "repeat": "重复分组：最少、最多几行。",
    },
    "Option": {"value": "存储的值（英文标识）。", "label": "申请人看到的文字。"},
    "Repeat": {"min": "最少行数。", "max": "最多行数（不写则不限，但受系统上限约束）。"},
    "Material": {
        "key": "材料标识，在事项内唯一。",
        "name": "材料名称，与办事指南一致。",
        "doc": "全目录统一的证照类型（如 `business_license`），用于跨事项识别同一份材料；不写则取名称。",
        "original": "是否查验原件（true）；false 表示只收复印件。",
        "copies": "份数。",
        "paper": "是否接受纸质材料。",
        "electronic": "是否接受电子扫描件。",
        "source": "材料来源：申请人提供、政府共享、本机关核发或申请人承诺，见枚举 MaterialSource。",
        "required": "必须提交。",
        "required_when": "条件成立时才须提交。",
        "hint": "材料须载明的内容或其他说明。",
        "accept": "扫描件允许的文件类型（默认 PDF、JPEG、PNG）。",
        "max_size_mb": "扫描件最大兆字节数（默认 10）。",
    },
    "Step": {
        "key": "环节标识，在事项内唯一。",
        "kind": "环节做什么：受理、审查、特别程序、决定、会签、上报、办结、送达，见枚举 StepKind；县里注册的环节类型（如“村（居）民委员会评议”，按审查办理）也可使用，须由注册了它的编译器校验。",
        "name": "环节显示名称（不写则按环节类型命名）。",
        "at": "在哪里办理：`window`（受理窗口）、`owner`（主办部门审批股）或组织中的某个部门。",
        "role": "办理本环节的角色，见枚举 Role。",
        "days": "本环节的时限（工作日）。",
        "when": "条件成立时才办理本环节，否则跳过。",
        "procedure": "特别程序环节：哪一种特别程序，填已注册种类的名称，见下文 Procedure 表（县里可注册自己的种类）。",
        "counts_toward_limit": "特别程序环节：所用时间是否计入法定时限（默认按程序种类：听证、检验检测检疫、专家论证、公示不计入，行政许可法第四十五条）。",
        "unit": "特别程序环节：days 的计法，`working` 工作日（默认）或 `calendar` 自然日（如公示7个自然日，节假日照常计算）。",
        "departments": "会签环节：须全部同意的部门。",
        "to": "上报环节：报送到哪个部门（通常为 `owner`）。",
        "requires_payment": "本环节须等应缴费用缴清后才能办理。",
    },
    "Fee": {
        "key": "收费项标识，在事项内唯一。",
        "name": "收费项目名称。",
        "amount": "固定金额（元）。",
        "per": "按量收费：单价 × 表单中的数值字段（后续核定时为环节中录入的数量）。",
        "tiered": "阶梯收费：按数量分档计费。",
        "assessed_at": "后续核定：在哪个环节、按什么实际数量核定（per 或 tiered 的 field 即为该数量的标识，不能与表单字段同名）。",
        "when": "条件成立时才收取。",
        "basis": "收费的法定依据：`basis` 中某一条的 `ref`，或文件名称（带书名号《》）。",
        "waivable": "符合条件的申请人可减免。",
    },
    "PerField": {
        "field": "作为计量的表单数值字段。",
        "amount": "单价（元），最多四位小数（如 0.0050 元/千瓦时）；金额在合计时才四舍五入到分。",
        "unit": "计量单位，显示在办事指南中。",
    },
    "Tiered": {
        "field": "分档所依据的数量：表单中的数值字段（后续核定时为环节中录入的数量）。",
        "unit": "计量单位，显示在办事指南中。",
        "mode": "`progressive`：超额累进，各档“……的部分”按本档单价；`whole`：全额，全部数量按所在档的单价。",
        "tiers": "各档，按顺序排列：第一档从 0 起，每档从上一档的 to 起，只有最后一档可以不写 to。",
    },
    "Tier": {
        "from": "本档下限（不含）；第一档为 0。",
        "to": "本档上限（含）；最后一档不写表示不封顶。",
        "price": "本档单价（元），最多四位小数。",
    },
    "AssessedAt": {
        "step": "在哪个环节录入实际数量并核定（`steps` 中某个环节的 key，不能是受理环节）。",
        "label": "录入的数量叫什么，如“实际占用面积”。",
        "maximum": "可录入的最大数量。",
    },
    "NoFee": {
        "basis": "不收费的依据：`basis` 中某一条的 `ref`，或文件名称（带书名号《》）。",
        "note": "在办事指南“不收费”之后显示的说明。",
    },
    "DecisionWording": {
        "grant": "准予时的用语，如“准予许可”“给予最低生活保障”“予以公开”。",
        "deny": "不予时的用语，如“不予许可”“不予给予最低生活保障”“不予公开”。",
    },
    "Disclosure": {
        "guide": "公开办事指南。",
        "publish_results": "公示办理结果。",
        "result_fields": "结果公示中公开的表单字段（不得含身份证号、手机号、地址等个人信息）。",
        "faq": "办事指南中的常见问题。",
    },
    "FaqEntry": {"question": "问题。", "answer": "解答。"},
    "Service": {
        "location": "办理地点。",
        "hours": "办公时间。",
        "phone": "咨询电话。",
        "online": "是否可网上申请。",
        "max_visits": "申请人最多到窗口几次（最多跑一次）。",
        "complaint": "投诉渠道。",
        "forms": "办理形式（窗口、网上、快递等），作为数据填写。",
        "object": "服务对象（自然人、法人等），作为数据填写。",
    },
    "Atom": {
        "field": "被比较的字段标识（同一层级的字段：表单、材料、环节、收费引用顶层字段；分组内引用本行字段）。",
        "eq": "值等于此常量时成立（多选字段：包含此选项）。",
        "ne": "值存在且不等于此常量时成立（多选字段：不包含此选项）。",
        "in": "值是所列常量之一时成立（多选字段：与所列选项有交集）。",
        "gt": "值大于此数时成立（仅数值字段）。",
        "gte": "值大于或等于此数时成立（仅数值字段）。",
        "lt": "值小于此数时成立（仅数值字段）。",
        "lte": "值小于或等于此数时成立（仅数值字段）。",
    },
    "AllOf": {"all": "须全部成立的条件列表。"},
    "AnyOf": {"any": "至少一个成立的条件列表。"},
    "NotOf": {"not": "取反的条件。"},
}

#: Every value of every enumeration of the language.
ENUM_MEANINGS: dict[type[Enum], dict[str, str]] = {
    Handling: {
        "instant": "即办件：当场办结，不计时限（承诺时限为 0）。",
        "promised": "承诺件：受理后在承诺时限内办结。",
        "reported": "上报件：下级（乡镇）受理、上报上级部门决定。",
        "joint": "联办件：多个部门会签，全部同意后决定。",
    },
    StepKind: {
        "accept": "受理：窗口接件、查验材料，决定受理、不予受理或一次性告知补正。",
        "review": "审查：部门审批股审查材料。",
        "special": "特别程序：现场勘查、专家论证、听证等（见 procedure），有自己的时限。",
        "decide": "决定：首席代表作出准予或不予的决定。",
        "countersign": "会签：所列部门均须同意。",
        "forward": "上报：乡镇受理后报送县级主管部门。",
        "complete": "办结：窗口办结、发证。",
        "deliver": "送达：窗口把结果送达申请人。",
    },
    MaterialSource: {
        "applicant": "申请人提供（上传或递交）。",
        "shared": "政府已掌握（共享核验），申请人免交。",
        "issued": "本机关在办理中核发。",
        "promise": "申请人书面承诺（告知承诺制）代替证明。",
    },
    Role: {
        "window_clerk": "窗口工作人员：受理、办结、送达。",
        "reviewer": "审查人员：审查和特别程序。",
        "chief_representative": "首席代表：对本部门审批事项全权负责，作出决定、会签。",
        "department_head": "部门负责人：只读，不再直接审批。",
        "supervisor": "电子监察人员：监督时限、亮灯、投诉。",
        "admin": "系统管理员：维护事项目录、组织和人员。",
    },
    NotifyEvent: {
        "submitted": "申请已提交（网上申请进入待受理）。",
        "accepted": "已受理，开始计时（受理通知）。",
        "not_accepted": "不予受理，并说明理由。",
        "correction_requested": "一次性告知补正材料，暂停计时。",
        "special_started": "特别程序开始，告知所需时间（该时间不计入法定时限时一并说明）。",
        "special_finished": "特别程序结束，恢复办理。",
        "forwarded": "已上报上级部门办理。",
        "extended": "办理时限已延长，并说明理由。",
        "fee_assessed": "已核定应缴费用，请缴费。",
        "supplement_requested": "受理后依法要求申请人补充或说明申请内容，补充期间不计入办理时限。",
        "decided": "已作出决定（准予或不予）。",
        "completed": "已办结，可领取结果。",
        "delivered": "结果已送达。",
        "withdrawn": "申请已撤回（撤件）。",
    },
    Severity: {
        "error": "错误：事项不能发布，必须修改。",
        "warning": "警告：可以发布，但应当复核。",
    },
}

#: Catalogue categories (事项类型) the shipped catalogue uses; the dictionary is data, so
#: other codes are allowed.
CATEGORY_MEANINGS: dict[str, str] = {
    "administrative_license": "行政许可",
    "administrative_confirmation": "行政确认",
    "administrative_payment": "行政给付",
    "administrative_ruling": "行政裁决",
    "administrative_reward": "行政奖励",
    "administrative_filing": "行政备案",
    "other_power": "其他行政权力",
    "public_service": "公共服务",
    "information_disclosure": "依申请公开政府信息",
}

#: What a value of each kind looks like in stored application data.
VALUE_KIND_MEANINGS: dict[str, str] = {
    "string": "文本",
    "number": "数值",
    "integer": "整数",
    "boolean": "是/否",
    "object": "对象",
    "array": "列表",
}

#: What each built-in field type checks (a plugin without a note shows its title only).
FIELD_TYPE_NOTES: dict[str, str] = {
    "text": "单行文本；可限定字数和正则表达式。",
    "textarea": "多行文本；可限定字数和正则表达式。",
    "number": "数值（可带小数）；可限定最小值、最大值。",
    "integer": "整数；可限定最小值、最大值。",
    "money": "金额（元，最多两位小数）；不写 minimum 时不能为负。",
    "date": "日期，格式 YYYY-MM-DD。",
    "boolean": "是/否。",
    "choice": "从 options 中选择；multiple 为 true 时可多选。",
    "id_card": "18 位居民身份证号码，校验出生日期和 ISO 7064 MOD 11-2 校验码。",
    "uscc": "18 位统一社会信用代码，校验 GB 32100 校验码。",
    "mobile": "11 位手机号码。",
    "region": "GB/T 2260 行政区划代码（6 位），如建始县 422822。",
    "address": "地址（文本）。",
    "file": "上传的文件；可限定类型和大小。",
    "group": "可重复的一组字段（如从业人员名单），每行一组；repeat 限定行数。行内可再有重复分组（如企业名单中每家企业的从业人员），最多嵌套 3 层。",
}

#: Problems `banshi definitions check` reports that are not reform rules: (meaning, fix).
STRUCTURAL_CHECKS: dict[str, tuple[str, str]] = {
    "io": ("文件无法读取（不存在、无权限或不是文件）。", "检查路径和文件权限。"),
    "file-size": (
        "文件超过大小上限。",
        "拆分过长的文本，或由管理员调大 BANSHI_DEFINITION_MAX_BYTES。",
    ),
    "encoding": ("文件不是不带 BOM 的 UTF-8。", "用编辑器另存为“UTF-8（无 BOM）”。"),
    "json-syntax": (
        "不是合法的 JSON（缺逗号、引号、括号等）。",
        "按提示的行列修正；可先用 JSON 校验工具检查。",
    ),
    "json-depth": ("JSON 嵌套层数超过上限。", "减少条件或分组的嵌套层数。"),
    "group-depth": (
        "重复分组嵌套的层数超过本县设置（BANSHI_MAX_GROUP_DEPTH，语言本身最多 3 层）。",
        "把最内层的分组改为上一层分组的普通字段，或由管理员调大 BANSHI_MAX_GROUP_DEPTH。",
    ),
    "json-number": ("数字过长、过大，或为 NaN、Infinity。", "改为限制范围内的普通数字。"),
    "json-duplicate-key": ("同一个对象中出现两个相同的键。", "删除或合并重复的键。"),
    "text-characters": (
        "文本含有控制字符、NUL 或不成对的代理字符。",
        "删除不可见字符，重新输入该段文字。",
    ),
    "schema": (
        "不符合定义语言：缺少必填键、多出未知键、类型或取值不对。",
        "对照本文“键”一节修正所指位置；未知键多为拼写错误。",
    ),
    "duplicate-key": (
        "字段、材料、环节、收费或依据的标识重复。",
        "为每一项取不同的 key（依据为 ref）。",
    ),
    "field-type": (
        "字段类型不存在，或字段的选项与类型不符（如最小值大于最大值、选项为空或重复）。",
        "改用“字段类型”一节中的类型，并只写该类型接受的选项。",
    ),
    "required-conflict": (
        "同时写了 required 和 required_when。",
        "二者留一个：始终必填用 required，有条件必填用 required_when。",
    ),
    "condition-field": (
        "条件引用的字段不存在或不在同一层级。",
        "改为同一层级已有字段的 key（分组内只能引用本行字段）。",
    ),
    "condition-type": (
        "条件的比较与字段类型不符（如对文本用 gt，或选项值不存在）。",
        "大小比较只用于数值字段；选项字段只比较已列出的选项值。",
    ),
    "condition-unsatisfiable": (
        "条件永远不能成立，相关字段、材料、环节或收费永远不会生效。",
        "检查互相矛盾的比较（如 gt 10 且 lt 5）。",
    ),
    "condition-cycle": (
        "字段的显示或必填条件互相引用，形成循环。",
        "让条件只引用前面的字段，打破循环。",
    ),
    "fee-tiers": (
        "阶梯收费的档位不连续、重叠、顺序不对，或不封顶的档位不在最后。",
        "第一档 from 为 0，每一档的 from 等于上一档的 to，只有最后一档可以不写 to。",
    ),
    "fee-assessed": (
        "后续核定收费引用的环节不存在或是受理环节，或核定数量与申请表字段同名。",
        "assessed_at.step 填受理之后的环节 key；per/tiered 的 field 另取一个不与表单字段重名的标识。",
    ),
    "fee-explicit": (
        "收费与否没有明示：既不写 fees 也不写 no_fee（警告），或收费项与 no_fee 同时出现（错误）。",
        "不收费的事项写 no_fee（可附依据，如《行政许可法》第五十八条）；收费的事项删除 no_fee。",
    ),
    "fee-per-field": (
        "按量收费引用的不是表单中的数值字段。",
        "per.field 改为数值、整数或金额类型的顶层字段。",
    ),
    "result-fields": ("公示字段不在表单中。", "result_fields 只列表单顶层字段的 key。"),
    "basis-ref": (
        "法定时限引用的依据不在 basis 中。",
        "limits.basis 改为 basis 中某一条的 ref，或补充该依据。",
    ),
    "step-at": (
        "环节的办理地点或会签部门不在组织中，或会签部门包含主办部门。",
        "at 填 window、owner 或组织中的部门编号；会签部门不列主办部门。",
    ),
    "route-order": ("办结或送达之前没有决定环节。", "在办结环节之前加入 decide 环节。"),
    "route-unreachable": (
        "有环节在办结之后，或永远不会被办理。",
        "调整环节顺序，办结、送达放在最后。",
    ),
    "reported-forward": (
        "上报件没有上报环节，或上报在决定之后、上报对象不对、上报有条件。",
        "在决定之前加入无条件的 forward 环节，to 为 owner。",
    ),
    "joint-countersign": ("联办件没有会签环节。", "加入 countersign 环节并列出会签部门。"),
    "internal": ("检查程序自身出错（不是事项的问题）。", "请把文件和输出报告给系统维护人员。"),
}
