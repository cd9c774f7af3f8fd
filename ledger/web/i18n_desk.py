"""The page chrome of the office's desk (issue #29: import, record/correct/retract forms, the
publish confirmation, a unit's home), kept apart from ``i18n.ZH`` so that the two grow
without stepping on each other; ``i18n`` merges them."""

DESK: dict[str, str] = {
    "Import": "导入",
    "Imported": "已导入",
    "Import another file": "导入另一个文件",
    "Upload an .xlsx, .csv or .jsonl file filled in from the templates: you see what it would import before "
    "anything is written.": "上传按模板填写的 .xlsx、.csv 或 .jsonl 文件：写入之前先预览将导入的内容。",
    "Also record probable duplicates of stored events": "疑似重复的行也一并记录",
    "Preview": "预览",
    "nothing has been written yet": "尚未写入任何内容",
    "Uploaded": "上传于",
    "New": "新增",
    "New rows": "新增行",
    "Already present": "已在台账中",
    "Held back": "未导入",
    "Probable duplicates": "疑似重复",
    "Refused rows": "被拒绝的行",
    "Example rows skipped": "跳过的示例行",
    "Like an event already in the ledger (same unit, type, date and document or key) but with other content: "
    "held back.": "与台账中已有事件相似（单位、类型、日期及文号或编号相同）但内容不同：暂不导入。",
    "Row": "行",
    "Stored event": "已有事件",
    "Problem": "问题",
    "Problems": "问题",
    "… and more: every refused row is in the download.": "……还有更多：下载文件中列出全部被拒绝的行。",
    "Download the refused rows (xlsx, with a 问题 column)": "下载被拒绝的行（xlsx，含“问题”列）",
    "Confirming writes the new rows only; the refused rows and probable duplicates are held back.":
        "确认后只写入新增行；被拒绝的行和疑似重复的行不导入。",
    "Confirming writes exactly this file.": "确认后写入的正是这个文件。",
    "This preview can be confirmed until": "本预览可确认至",
    "Confirm the import": "确认导入",
    "Cancel": "取消",
    "Record an event": "登记事件",
    "Open the form": "打开表单",
    "Record": "登记",
    "Written": "已写入",
    "Event recorded": "已登记",
    "Event corrected": "已更正",
    "Event retracted": "已撤销",
    "Already present: nothing was written.": "已在台账中：未写入任何内容。",
    "The event": "事件",
    "Correct": "更正",
    "Decision document": "决定文号",
    "Retract this event": "撤销该事件",
    "Or correct its fields: change the values to correct (the others stay as they are).":
        "或更正其字段：修改需要更正的值（其余保持不变）。",
    "Our explanation card": "本单位得分说明",
    "Policies that assess us": "考核本单位的方案",
    "Published score table": "已通报的得分表",
    "not published yet": "尚未通报",
    "Our appeals": "本单位的申诉",
    "No published result or policy covers this unit: the appeal's effect cannot be shown.":
        "尚无涵盖本单位的考核方案或通报结果：无法显示该申诉的影响。",
    "Publish": "通报",
    "Publish this table…": "通报此表……",
    "Publish this result?": "确认通报此结果？",
    "Look at what will be published: once confirmed it is recorded for good and every unit may read it.":
        "请先核对将通报的内容：确认后永久记录，各单位均可查看。",
    "the first rows of": "前若干行，共",
    "Confirm and publish": "确认通报",
}
