/**
 * Kratos' UI texts in the console's languages. Kratos writes them in English, each with a stable
 * id (kratos/text/id.go); zh-CN translates the ones a person meets signing up, in, and securing
 * their account. An id not listed keeps Kratos' English words, which are always there.
 */
export interface KratosText {
  id: number;
  text: string;
  type?: string;
  context?: Record<string, unknown>;
}

const ZH: Record<number, string> = {
  1010001: '登录',
  1010003: '请再次确认身份以继续。',
  1010004: '请完成第二步验证。',
  1010005: '验证',
  1010006: '验证器中的动态码',
  1010007: '备用恢复码',
  1010009: '使用验证器',
  1010010: '使用备用恢复码',
  1010013: '继续',
  1010022: '使用密码登录',
  1040001: '注册',
  1040003: '继续',
  1050001: '已保存。',
  1050004: '停用验证器',
  1050005: '验证器二维码',
  1050007: '显示备用恢复码',
  1050008: '生成新的备用恢复码',
  1050010: '备用恢复码',
  1050011: '我已保存这些恢复码',
  1050012: '添加安全密钥',
  1050013: '安全密钥名称',
  1050016: '停用此方式',
  1050017: '这是验证器的密钥,无法扫描二维码时请手动输入。',
  1060002: '如果该邮箱已注册,恢复链接已发送。',
  1060003: '如果该邮箱已注册,我们已发送一个恢复码。没有收到?请检查邮箱地址是否正确。',
  1070001: '密码',
  1070003: '保存',
  1070005: '提交',
  1070006: '验证码',
  1070007: '邮箱',
  1070008: '重新发送验证码',
  1070009: '继续',
  1070010: '恢复码',
  1070011: '验证码',
  1080002: '邮箱已验证。',
  1080003: '验证码已发送到您的邮箱。没有收到?请检查邮箱地址是否正确。',
  4000002: '此项为必填项。',
  4000006: '账号或密码不正确,请检查后重试。',
  4000007: '该邮箱已注册。',
  4000008: '动态码不正确,请重试。',
  4000010: '邮箱尚未验证。',
  4000028: '该邮箱已注册。',
  4000031: '密码与邮箱太相似。',
  4000032: '密码太短。',
  4000034: '该密码已在数据泄露中出现,请换一个。',
  4010001: '登录已超时,请重试。',
  4040001: '注册已超时,请重试。',
  4050001: '设置已超时,请重试。',
  4060004: '恢复码无效或已使用。',
  4060005: '恢复已超时,请重试。',
  4060006: '恢复码无效或已使用,请重试。',
  4070005: '验证已超时,请重试。',
  4070006: '验证码无效或已使用,请重试。',
};

/** The identity schemas' titles (kratos/*.schema.json), which Kratos labels trait fields with (id 1070002). */
const ZH_TITLES: Record<string, string> = {
  Email: '邮箱',
  Name: '姓名',
  Language: '语言',
  Phone: '手机号',
};

export function kratosText(text: KratosText, locale: string): string {
  if (locale !== 'zh-CN') return text.text;
  if (text.id === 1070002) {
    const title = String(text.context?.title ?? '');
    return ZH_TITLES[title] ?? text.text;
  }
  return ZH[text.id] ?? text.text;
}
