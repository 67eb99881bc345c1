package io.zeroclaw.resilience.autoconfigure.ratelimit;

import jakarta.servlet.Filter;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import org.springframework.beans.factory.ListableBeanFactory;
import org.springframework.beans.factory.SmartInitializingSingleton;
import org.springframework.boot.web.servlet.FilterRegistrationBean;
import org.springframework.boot.web.servlet.ServletContextInitializer;
import org.springframework.boot.web.servlet.ServletContextInitializerBeans;
import org.springframework.web.filter.HiddenHttpMethodFilter;
import org.springframework.web.filter.UrlHandlerFilter;

/**
 * Warns at start-up of a filter that changes what the rate-limit filter matches a request on, but runs after it:
 * Spring's {@link UrlHandlerFilter}, which may strip a trailing slash from the path ({@code wrapRequest()}), and a
 * {@link HiddenHttpMethodFilter}, which takes the method from a form's {@code _method} (only where a policy names
 * {@code methods}). The rate-limit filter then limits the request as it arrived, not as it is served, so a client can
 * add a slash, or pick a method, to fall under another policy or under none. One such filter declared as a plain
 * {@code @Bean} runs last; ordered below the rate-limit filter, it runs first and nothing is said.
 * <p>
 * Orders are read as Spring Boot reads them to register the filters with the server.
 */
final class RewritingFilterCheck implements SmartInitializingSingleton {

	private static final Logger logger = LoggerFactory.getLogger(RewritingFilterCheck.class);

	private final ListableBeanFactory beanFactory;

	private final boolean methodsMatter;

	/**
	 * @param beanFactory where the filters are
	 * @param methodsMatter whether a policy names {@code methods}, so that a filter changing the method matters
	 */
	RewritingFilterCheck(ListableBeanFactory beanFactory, boolean methodsMatter) {
		this.beanFactory = beanFactory;
		this.methodsMatter = methodsMatter;
	}

	@Override
	public void afterSingletonsInstantiated() {
		Integer first = null;
		ServletContextInitializerBeans initializers = new ServletContextInitializerBeans(this.beanFactory);
		for (ServletContextInitializer initializer : initializers) {
			if (initializer instanceof FilterRegistrationBean<?> registration && registration.isEnabled()
					&& registration.getFilter() instanceof RateLimitFilter) {
				first = (first != null) ? Math.min(first, registration.getOrder()) : registration.getOrder();
			}
		}
		if (first == null) {
			return;
		}
		for (ServletContextInitializer initializer : initializers) {
			if (initializer instanceof FilterRegistrationBean<?> registration && registration.isEnabled()
					&& registration.getOrder() >= first) {
				String rewrites = rewrites(registration.getFilter());
				if (rewrites != null) {
					// a filter of the last order (a plain @Bean) has no order the rate-limit filter could follow
					String orLater = (registration.getOrder() < Integer.MAX_VALUE)
							? ", or the rate-limit filter after it (zeroclaw.resilience.rate-limit.filter-order above "
									+ registration.getOrder() + ")"
							: "";
					logger.warn("Filter '{}' ({}) is not ordered before the rate-limit filter (its order {}, the "
							+ "rate-limit filter's {}): requests are limited before {}, so a client can change a "
							+ "request to fall under another policy, or under none. Order it below {} (a "
							+ "FilterRegistrationBean with setOrder){}.", registration.getFilterName(),
							registration.getFilter().getClass().getName(), registration.getOrder(), first, rewrites,
							first, orLater);
				}
			}
		}
	}

	private @Nullable String rewrites(Filter filter) {
		if (filter instanceof UrlHandlerFilter) {
			return "it strips a trailing slash from the path (if it wraps the request rather than redirects)";
		}
		if (filter instanceof HiddenHttpMethodFilter && this.methodsMatter) {
			return "it takes the method from a form's _method parameter";
		}
		return null;
	}

}
