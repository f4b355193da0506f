/**
 * JSON-LD objects for the head partial. Built in code rather than in template
 * text so the output is always valid JSON, whatever an editor types.
 */
export interface PageFacts {
  title: string;
  description: string;
  url: string;
  siteName: string;
  siteUrl: string;
  language: string;
  image: string;
}

export function webSiteLd(page: PageFacts): object {
  return {
    '@context': 'https://schema.org',
    '@type': 'WebSite',
    name: page.siteName,
    url: page.siteUrl + '/',
    inLanguage: page.language,
  };
}

export function webPageLd(page: PageFacts, type = 'WebPage'): object {
  const base = {
    '@context': 'https://schema.org',
    '@type': type,
    url: page.url,
    description: page.description,
    inLanguage: page.language,
    image: page.image,
  };
  return type === 'Article'
    ? { ...base, headline: page.title, mainEntityOfPage: page.url, publisher: { '@type': 'Organization', name: page.siteName, url: page.siteUrl + '/' } }
    : { ...base, name: page.title, isPartOf: { '@type': 'WebSite', name: page.siteName, url: page.siteUrl + '/' } };
}

export function faqPageLd(url: string, faq: ReadonlyArray<{ question: string; answer: string }>): object {
  return {
    '@context': 'https://schema.org',
    '@type': 'FAQPage',
    url,
    mainEntity: faq.map((entry) => ({
      '@type': 'Question',
      name: entry.question,
      acceptedAnswer: { '@type': 'Answer', text: entry.answer },
    })),
  };
}
