package io.zeroclaw.resilience.autoconfigure.ratelimit;

import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import java.util.function.Predicate;

import jakarta.servlet.ServletContext;
import jakarta.servlet.http.HttpServletMapping;
import jakarta.servlet.http.HttpServletRequest;
import org.jspecify.annotations.Nullable;

import org.springframework.beans.factory.ListableBeanFactory;
import org.springframework.boot.web.servlet.ServletRegistration;
import org.springframework.boot.web.servlet.ServletRegistrationBean;
import org.springframework.context.ApplicationContext;
import org.springframework.util.StringUtils;
import org.springframework.web.cors.CorsConfigurationSource;
import org.springframework.web.servlet.DispatcherServlet;

/**
 * Whether a request goes to Spring MVC's {@code DispatcherServlet} of this application context, the one whose
 * handlers Spring MVC's CORS configuration ({@code @CrossOrigin}, a {@code WebMvcConfigurer}'s mappings) belongs to.
 * A request for another servlet of the application (a servlet of its own, Jersey, the container's default servlet,
 * a second {@code DispatcherServlet} over a context of its own) is not Spring MVC's to answer, and its CORS is not
 * Spring MVC's to grant: asked about such a request, Spring MVC's introspector finds whatever of its own mappings
 * matches the path (a catch-all {@code /**} of static resources, a global CORS mapping) and would grant what that
 * servlet does not.
 * <p>
 * A request that does not say which servlet it goes to, or names one the servlet context does not know (MockMvc, a
 * mock servlet context), is taken to go to Spring MVC, as MockMvc serves every request with Spring MVC. So is every
 * request when this context registers no {@code DispatcherServlet} the way Spring Boot does (a bean of its own, or
 * one in a {@code ServletRegistrationBean}, a bean with {@code @ServletRegistration}): the servlet's name is then
 * unknown here.
 */
final class MvcServedRequests implements Predicate<HttpServletRequest> {

	private final ListableBeanFactory beanFactory;

	private final ApplicationContext context;

	private volatile @Nullable Set<String> servletNames;

	/**
	 * The application's {@code DispatcherServlet}s that had no context yet when the names were read, by the name they
	 * are registered under: started, one may have made a context of its own or taken this one (its
	 * {@code contextAttribute} naming it), so it is asked again at each request, when the container has started it.
	 */
	private volatile Map<String, DispatcherServlet> notStarted = Map.of();

	MvcServedRequests(ListableBeanFactory beanFactory, ApplicationContext context) {
		this.beanFactory = beanFactory;
		this.context = context;
	}

	/**
	 * Spring MVC's CORS configuration for the requests that go to Spring MVC, and none for the others.
	 * @param mvc Spring MVC's {@code HandlerMappingIntrospector}
	 * @param beanFactory the context's beans, where its {@code DispatcherServlet} is
	 * @param context the context the introspector belongs to
	 * @return a source that asks {@code mvc} only about Spring MVC's requests
	 */
	static CorsConfigurationSource only(CorsConfigurationSource mvc, ListableBeanFactory beanFactory,
			ApplicationContext context) {
		MvcServedRequests served = new MvcServedRequests(beanFactory, context);
		return (request) -> served.test(request) ? mvc.getCorsConfiguration(request) : null;
	}

	@Override
	public boolean test(HttpServletRequest request) {
		HttpServletMapping mapping = request.getHttpServletMapping();
		String servletName = (mapping != null) ? mapping.getServletName() : null;
		ServletContext servletContext = request.getServletContext();
		if (servletName == null || servletName.isEmpty() || servletContext == null
				|| servletContext.getServletRegistration(servletName) == null) {
			return true;
		}
		Set<String> names = servletNames();
		if (names.contains(servletName)) {
			return true;
		}
		DispatcherServlet pending = this.notStarted.get(servletName);
		if (pending != null) {
			return pending.getWebApplicationContext() == this.context;
		}
		return names.isEmpty() && this.notStarted.isEmpty();
	}

	/**
	 * The names the application's own {@code DispatcherServlet}s are registered under: Spring Boot registers a
	 * {@code ServletRegistrationBean}'s servlet under the registration's name, and a servlet bean under its bean name.
	 * Read once, at the first request that needs it, when every servlet has been registered.
	 */
	private Set<String> servletNames() {
		Set<String> known = this.servletNames;
		if (known == null) {
			Set<String> names = new HashSet<>();
			Map<String, DispatcherServlet> pending = new HashMap<>();
			for (ServletRegistrationBean<?> registration : this.beanFactory
				.getBeansOfType(ServletRegistrationBean.class, false, false)
				.values()) {
				sort(registration.getServletName(), registration.getServlet(), names, pending);
			}
			this.beanFactory.getBeansOfType(DispatcherServlet.class, false, false)
				.forEach((name, servlet) -> sort(registeredName(name), servlet, names, pending));
			this.notStarted = pending;
			this.servletNames = names;
			known = names;
		}
		return known;
	}

	/** The name a servlet bean is registered under: its {@code @ServletRegistration}'s, else its bean name. */
	private String registeredName(String beanName) {
		ServletRegistration registration = this.beanFactory.findAnnotationOnBean(beanName, ServletRegistration.class);
		return (registration != null && StringUtils.hasText(registration.name())) ? registration.name() : beanName;
	}

	/**
	 * Files a {@code DispatcherServlet} serving this context's handlers under its name. Spring Boot's is given the
	 * context as it is created (a servlet bean is told its context, or built with it); one that has none yet gets
	 * one when it starts, on its first request: a context of its own, or this one, which is not known before.
	 */
	private void sort(String name, @Nullable Object servlet, Set<String> names, Map<String, DispatcherServlet> pending) {
		if (servlet instanceof DispatcherServlet dispatcherServlet) {
			ApplicationContext own = dispatcherServlet.getWebApplicationContext();
			if (own == this.context) {
				names.add(name);
			}
			else if (own == null) {
				pending.put(name, dispatcherServlet);
			}
		}
	}

}
